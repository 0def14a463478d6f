import { packageBuild } from '../../tsup.base.js';

// `index` is browser-safe (global fetch); `node` adds the undici pool and config loading; `cli` is
// the `nexomatic` command (it starts with `#!/usr/bin/env node`, which tsup keeps).
export default packageBuild(
  { index: 'src/index.ts', node: 'src/node.ts', cli: 'src/cli.ts' },
  { dts: { entry: { index: 'src/index.ts', node: 'src/node.ts' } } },
);
