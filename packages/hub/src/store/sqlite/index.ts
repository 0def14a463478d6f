import type Database from 'better-sqlite3';
import { z } from 'zod';
import { parse, silentLogger, type Logger } from '@nexomatic/core';
import type { HubStore } from '../port.js';
import { Connection, openDatabase } from './connection.js';
import { sqliteDefinitions } from './definitions.js';
import { sqliteEvents } from './events.js';
import type { GroupCommitStats } from './group-commit.js';
import { sqliteIdentities } from './identities.js';
import { sqliteLogs } from './logs.js';
import { sqliteSecrets } from './secrets.js';
import { sqliteAudit } from './audit.js';
import { SqliteAgendaBackend } from './agenda/backend.js';
import { sqliteSinks } from './sinks.js';

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;

/** Options of {@link sqliteStore}. */
export const SqliteStoreOptions = z.strictObject({
  /**
   * The database file; its folder is created when missing. `':memory:'` keeps everything in memory
   * (one connection only, gone on close).
   * @default '.nexomatic/hub.db'
   */
  path: z.string().min(1).default('.nexomatic/hub.db'),
  /** Where the store logs. @default silentLogger */
  logger: z
    .custom<Logger>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        LOGGER_METHODS.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
      { message: 'must be a Logger with debug, info, warn and error methods' },
    )
    .optional(),
});
/** Options of {@link sqliteStore}. */
export type SqliteStoreOptions = z.input<typeof SqliteStoreOptions>;

const internals = new WeakMap<HubStore, Connection>();

/**
 * The embedded `HubStore`: one SQLite file opened with better-sqlite3 in WAL mode, with group
 * commit of event inserts, claims, completions, releases and log appends. Group commits sync the
 * write-ahead log in Node's thread pool and resolve once it is on disk (a claim resolves at its
 * COMMIT: see `claim.ts`); a worker thread checkpoints the log (`checkpointer.ts`); other writes
 * commit with `synchronous=FULL`. `watch` reports commits that queued events, before their sync.
 * The store owns its connection and closes it in `close()`, after flushing queued writes.
 *
 * @example
 * ```ts
 * const store = await sqliteStore({ path: './.nexomatic/hub.db' });
 * ```
 */
export async function sqliteStore(options: SqliteStoreOptions = {}): Promise<HubStore> {
  const resolved = parse(SqliteStoreOptions, options, 'sqlite store options');
  const logger = resolved.logger ?? silentLogger;
  const connection = new Connection(openDatabase(resolved.path, logger), logger);
  logger.debug('sqlite store opened', { path: resolved.path });
  let schedulerBackend: SqliteAgendaBackend | undefined;
  const store: HubStore = {
    events: sqliteEvents(connection),
    definitions: sqliteDefinitions(connection),
    sinks: sqliteSinks(connection),
    identities: sqliteIdentities(connection),
    logs: sqliteLogs(connection),
    secrets: sqliteSecrets(connection),
    audit: sqliteAudit(connection),
    schedulerBackend: () => (schedulerBackend ??= new SqliteAgendaBackend(connection)),
    watch: (onQueued) => connection.watchQueued(onQueued),
    close: () => connection.close(),
  };
  internals.set(store, connection);
  return store;
}

/**
 * The database handle and group-commit counters behind a store made by {@link sqliteStore}, for
 * the adapter's own tests. Not part of the public API.
 */
export function sqliteInternals(store: HubStore): { db: Database.Database; stats: GroupCommitStats } {
  const connection = internals.get(store);
  if (connection === undefined) throw new TypeError('not a store made by sqliteStore()');
  return { db: connection.db, stats: connection.commit.stats };
}
