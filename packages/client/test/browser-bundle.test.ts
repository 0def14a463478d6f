/**
 * The main entry stays browser-safe: bundled for the browser (as Vite does for the admin UI), it
 * pulls in no Node module (`node:*`, undici, ws, tsx); those live behind `@nexomatic/client/node`.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('../src/index.ts', import.meta.url));

describe('the browser bundle of @nexomatic/client', () => {
  it('bundles for the browser without any Node-only module', async () => {
    // esbuild comes with the build tools (tsup, vite, tsx) every workspace installs.
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      conditions: ['source'],
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.includes('packages/client/src/client.ts'))).toBe(true);
    expect(inputs.filter((path) => /(^|\/)node_modules\/(undici|ws|tsx)\/|^node:/.test(path))).toEqual([]);
    expect(inputs.filter((path) => path.includes('packages/hub/'))).toEqual([]);
    expect(result.outputFiles[0]!.text).not.toMatch(/from\s*["']node:/);
  });
});
