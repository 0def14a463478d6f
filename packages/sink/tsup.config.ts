import { packageBuild } from '../../tsup.base.js';

// The node module runner is its own entry: the node executor forks it as a child process. It is
// built to dist/node-runner.js, beside the chunks that hold the executor, because the executor finds
// it with `new URL('./node-runner.js', import.meta.url)` (in src/ both sit in src/executors/).
// cli.ts starts with a `#!/usr/bin/env node` line, which tsup keeps (and marks dist/cli.js executable).
export default packageBuild(
  { index: 'src/index.ts', cli: 'src/cli.ts', 'node-runner': 'src/executors/node-runner.ts' },
  { dts: { entry: { index: 'src/index.ts' } } },
);
