import { defineConfig } from 'tsup';

// One entry per `exports` subpath, kept in step with package.json.
export default defineConfig({
  entry: ['src/index.ts', 'src/sqlite.ts', 'src/testing.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  external: ['vitest'],
});
