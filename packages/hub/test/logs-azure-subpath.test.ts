/**
 * `@azure/storage-blob` is loaded only through `@nexomatic/hub/azure`: no module reachable from
 * the main entry (or the SQLite one) imports it, and the subpath is published and built.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../package.json', import.meta.url));

/** Every bare package a module imports, following its relative imports (static and dynamic). */
function packagesReachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  };
  visit(resolve(SRC, entry));
  return { files, packages };
}

describe('the Azure archive subpath', () => {
  it('keeps @azure/storage-blob out of the main and SQLite entries', () => {
    for (const entry of ['index.ts', 'sqlite.ts', 'hub.ts']) {
      const { files, packages } = packagesReachable(entry);
      expect(files.size, entry).toBeGreaterThan(entry === 'sqlite.ts' ? 3 : 20);
      expect([...packages].filter((p) => p.startsWith('@azure/')), entry).toEqual([]);
    }
    expect(packagesReachable('azure.ts').packages).toContain('@azure/storage-blob');
  });

  it('is published in the exports map and built by tsup', () => {
    const pkg = JSON.parse(readFileSync(PACKAGE, 'utf8')) as { exports: Record<string, { source: string }> };
    expect(pkg.exports['./azure']).toMatchObject({ source: './src/azure.ts', import: './dist/azure.js' });
    expect(readFileSync(fileURLToPath(new URL('../tsup.config.ts', import.meta.url)), 'utf8')).toContain("'src/azure.ts'");
  });
});
