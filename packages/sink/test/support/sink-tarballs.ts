/**
 * Builds `@nexomatic/core` and `@nexomatic/sink` from this checkout with another version number and
 * packs both with `npm pack`, for the self-update end-to-end test. The sink's `@nexomatic/core`
 * dependency points at the core tarball (`file:`), so installing the sink tarball never asks the
 * registry for an `@nexomatic/*` package; its other dependencies come from npm's cache.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { runProcess, tail } from '../../src/update/process.js';

const PACKAGES = fileURLToPath(new URL('../../..', import.meta.url));

const ENTRIES: Record<'core' | 'sink', Record<string, string>> = {
  core: { index: 'src/index.ts' },
  sink: { index: 'src/index.ts', cli: 'src/cli.ts', 'node-runner': 'src/executors/node-runner.ts' },
};

/** Copies, builds (bundled like tsup: ESM, node20, chunks beside the entries) and packs one package. */
async function buildAndPack(name: 'core' | 'sink', version: string, into: string, coreTarball?: string): Promise<string> {
  const dir = join(into, name);
  const source = join(PACKAGES, name);
  cpSync(join(source, 'src'), join(dir, 'src'), { recursive: true });
  // Folders shipped beside dist/ (e.g. the sink's python/ and powershell/ runners).
  const shipped = readdirSync(source, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !['src', 'test', 'dist', 'node_modules'].includes(entry.name))
    .map((entry) => entry.name);
  for (const folder of shipped) cpSync(join(source, folder), join(dir, folder), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as Record<string, unknown>;
  pkg.version = version;
  pkg.files = [...new Set([...((pkg.files as string[] | undefined) ?? ['dist']), ...shipped])];
  delete pkg.devDependencies;
  delete pkg.scripts;
  if (coreTarball) pkg.dependencies = { ...(pkg.dependencies as object), '@nexomatic/core': `file:${coreTarball}` };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  await build({
    absWorkingDir: dir,
    entryPoints: ENTRIES[name],
    outdir: join(dir, 'dist'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  const packed = await runProcess(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', '--pack-destination', into, '--loglevel=error'], {
    cwd: dir,
    env: process.env,
    timeoutMs: 60_000,
  });
  if (packed.code !== 0) throw new Error(`npm pack of ${name} failed: ${tail(packed.stderr)}`);
  return join(into, `nexomatic-${name}-${version}.tgz`);
}

/** Packs core and sink at `version` into `into`; returns the sink tarball's path. */
export async function packSink(version: string, into: string): Promise<string> {
  const core = await buildAndPack('core', version, into);
  return buildAndPack('sink', version, into, core);
}
