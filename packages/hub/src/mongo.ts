/**
 * `@nexomatic/hub/mongo`: the MongoDB `HubStore`, kept on its own subpath so that users of
 * another store never load the `mongodb` driver.
 *
 * @packageDocumentation
 */
export { mongoStore, MongoStoreOptions, type MongoStoreConnection, type MongoHubStore } from './store/mongo/index.js';
export type { Topology } from './store/mongo/connection.js';
