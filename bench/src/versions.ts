import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The installed version of a package, from the nearest package.json named so above its entry; 'unknown' when not found. */
export function packageVersion(name: string): string {
  try {
    let dir = dirname(require.resolve(name));
    for (;;) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      }
      const parent = dirname(dir);
      if (parent === dir) return 'unknown';
      dir = parent;
    }
  } catch {
    return 'unknown';
  }
}

/** The SQLite library version better-sqlite3 bundles, or 'unknown'. */
export function sqliteVersion(): string {
  try {
    const Database = require('better-sqlite3') as new (path: string) => { prepare(sql: string): { pluck(): { get(): string } }; close(): void };
    const db = new Database(':memory:');
    const version = db.prepare('SELECT sqlite_version()').pluck().get();
    db.close();
    return version;
  } catch {
    return 'unknown';
  }
}
