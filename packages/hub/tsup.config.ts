import { packageBuild } from '../../tsup.base.js';

// One entry per `exports` subpath, kept in step with package.json.
export default packageBuild(['src/index.ts', 'src/sqlite.ts', 'src/testing.ts'], { external: ['vitest'] });
