/**
 * `@nexomatic/hub/sqlite`: the embedded SQLite `HubStore`, kept on its own subpath so that users of
 * another store never load better-sqlite3.
 *
 * @packageDocumentation
 */
export { sqliteStore, SqliteStoreOptions } from './store/sqlite/index.js';
