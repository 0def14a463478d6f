import { packageBuild } from '../../tsup.base.js';

// One entry per `exports` subpath, kept in step with package.json.
// cli.ts (the `nexomatic-hub` bin) starts with a `#!/usr/bin/env node` line, which tsup keeps.
export default packageBuild(['src/index.ts', 'src/sqlite.ts', 'src/testing.ts', 'src/cli.ts'], { external: ['vitest'] });
