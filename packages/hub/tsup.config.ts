import { packageBuild } from '../../tsup.base.js';

// One entry per `exports` subpath, kept in step with package.json.
// @azure/storage-blob is only a devDependency (users of @nexomatic/hub/azure install it): never bundled.
// mongodb and @agendajs/mongo-backend likewise (users of @nexomatic/hub/mongo install them).
// cli.ts (the `nexomatic-hub` bin) starts with a `#!/usr/bin/env node` line, which tsup keeps.
export default packageBuild(['src/index.ts', 'src/sqlite.ts', 'src/azure.ts', 'src/mongo.ts', 'src/testing.ts', 'src/cli.ts'], {
  external: ['vitest', '@azure/storage-blob', 'mongodb', '@agendajs/mongo-backend'],
});
