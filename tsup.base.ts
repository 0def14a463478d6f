import { defineConfig, type Options } from 'tsup';

/** The build every package shares: ESM for Node 20, declarations, source maps; `entry` per package. */
export function packageBuild(entry: Options['entry'], extra: Options = {}) {
  return defineConfig({ entry, format: ['esm'], dts: true, clean: true, sourcemap: true, target: 'node20', ...extra });
}
