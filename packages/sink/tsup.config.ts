import { defineConfig } from 'tsup';

// The node module runner is its own entry: the node executor forks it as a child process.
export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts', 'src/executors/node-runner.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
