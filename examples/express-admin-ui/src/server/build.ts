import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DIST_DIR } from './admin-ui.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UI_SOURCES = join(ROOT, 'src/ui');

/** The newest modification time of the files under a folder. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Whether `outDir` holds a build newer than every UI source file and the Vite config. */
export function isBuildFresh(outDir = DEFAULT_DIST_DIR): boolean {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return false;
  const sources = Math.max(newest(UI_SOURCES), statSync(join(ROOT, 'vite.config.ts')).mtimeMs);
  return statSync(index).mtimeMs >= sources;
}

/**
 * Builds the admin UI with Vite (programmatically, with the example's `vite.config.ts`) into
 * `outDir`. Vite is a dev dependency: this is for development, tests and the quickstart.
 */
export async function buildAdminUi(outDir = DEFAULT_DIST_DIR): Promise<string> {
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'vite.config.ts'), build: { outDir, emptyOutDir: true }, logLevel: 'warn' });
  return outDir;
}
