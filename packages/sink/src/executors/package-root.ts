import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The root directory of the installed `@nexomatic/sink` package: the nearest directory above this
 * file holding a `python/` runner folder and a `package.json`. Works from `src/executors/` (source)
 * and from `dist/` (built), where the runners ship beside `dist/` (package.json `files`).
 */
export function sinkPackageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'python'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the @nexomatic/sink package root above ${from}`);
    dir = parent;
  }
}
