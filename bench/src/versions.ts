import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The installed version of a package, read from its package.json; 'unknown' when it cannot be found. */
export function packageVersion(name: string): string {
  try {
    const main = require.resolve(name);
    const marker = `/node_modules/${name}/`;
    const root = main.slice(0, main.lastIndexOf(marker) + marker.length);
    return (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
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
