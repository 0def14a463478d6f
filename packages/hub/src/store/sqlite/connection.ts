import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { NexomaticError, type Logger } from '@nexomatic/core';
import { Checkpointer } from './checkpointer.js';
import { GroupCommit, type EnqueueOptions } from './group-commit.js';
import { WalSync } from './wal-sync.js';
import { migrate } from './schema.js';

/** How long a connection waits for another connection's write lock, in milliseconds. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * A `LIMIT` taking its value from the bound parameter `param` without re-preparing the statement
 * on every run. SQLite's planner reads a bare `LIMIT ?` at bind time, so binding it (which
 * better-sqlite3 does on every run) marks the statement for a new prepare: ~200 µs for the claim
 * and its triggers, three times the claim's own work. An expression around the parameter is not
 * read by the planner. For hot statements whose plan does not depend on the limit (an index walk
 * in order); lists keep the plain form, whose plan may.
 */
export function boundLimit(param: string): string {
  return `LIMIT CAST(${param} AS INTEGER)`;
}

/** Wraps a SQLite failure into a NexomaticError: constraint violations are `CONFLICT`. */
export function storeError(error: unknown): NexomaticError {
  if (error instanceof NexomaticError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const conflict = typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
  return NexomaticError.from(error, conflict ? 'CONFLICT' : 'INTERNAL');
}

/** Opens the database file (creating its folder), sets the pragmas and migrates the schema. */
export function openDatabase(path: string, logger: Logger): Database.Database {
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    // busy_timeout first, so the pragmas and the migration below wait for other connections' locks.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!memory) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Statement and savepoint journals (every group-committed write runs in a savepoint) in memory,
    // not in temporary files: about 15 % faster for concurrent single inserts.
    db.pragma('temp_store = MEMORY');
    migrate(db, logger);
  } catch (error) {
    db.close();
    throw storeError(error);
  }
  return db;
}

/**
 * One open database and what every aggregate shares: the group commit, a statement cache and the
 * closed flag. Reads and direct writes run synchronously; batched writes go through the group commit.
 */
export class Connection {
  /** The database handle. */
  readonly db: Database.Database;
  /** The group commit every batched write goes through. */
  readonly commit: GroupCommit;
  /** Where the adapter logs. */
  readonly logger: Logger;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #checkpointer: Checkpointer | null;
  readonly #wal: WalSync | null;
  readonly #queuedWatchers = new Set<() => void>();
  #queuedNotice = false;
  #closed = false;

  constructor(db: Database.Database, logger: Logger) {
    this.db = db;
    this.logger = logger;
    // A file in WAL mode: its log is synced and checkpointed off the event loop.
    const path = db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal' ? null : resolve(db.name);
    const checkpointer = path === null ? null : Checkpointer.start(db, path, BUSY_TIMEOUT_MS, logger);
    this.#checkpointer = checkpointer;
    this.#wal = path === null ? null : WalSync.open(path);
    this.commit = new GroupCommit(db, {
      mapError: storeError,
      wal: this.#wal,
      afterCommit: checkpointer === null ? undefined : () => checkpointer.nudge(),
    });
  }

  /** A prepared statement for `sql`, prepared once per connection. */
  statement<Row = unknown>(sql: string): Database.Statement<unknown[], Row> {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement as Database.Statement<unknown[], Row>;
  }

  /** Runs a read now. */
  async read<T>(fn: () => T): Promise<T> {
    this.#assertOpen();
    try {
      return fn();
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * Runs a write now, in its own `BEGIN IMMEDIATE` transaction; resolves once it is on disk (the
   * log's fsync runs off the event loop, see {@link WalSync}).
   */
  async write<T>(fn: () => T): Promise<T> {
    this.#assertOpen();
    let result: T;
    try {
      // As in the group commit: commit without the fsync, then wait for it off the event loop.
      const transaction = () => this.db.transaction(fn).immediate();
      result = this.#wal === null ? transaction() : this.#wal.commitUnsynced(this.db, transaction);
    } catch (error) {
      throw storeError(error);
    } finally {
      this.#checkpointer?.nudge();
    }
    if (this.#wal !== null) {
      try {
        await this.#wal.sync();
      } catch (error) {
        throw storeError(error);
      }
    }
    return result;
  }

  /**
   * Queues a write for the next group commit; resolves once its transaction is durable, or, with
   * `durable: false`, once it committed (see {@link GroupCommit.enqueue}).
   */
  async batch<T>(fn: () => T, options?: EnqueueOptions<T>): Promise<T> {
    this.#assertOpen();
    return this.commit.enqueue(fn, options);
  }

  /**
   * Calls `onQueued` whenever a write of this connection may have made events claimable, right
   * after its COMMIT (before the fsync): the store's `watch`. Returns a function that stops it.
   */
  watchQueued(onQueued: () => void): () => void {
    this.#queuedWatchers.add(onQueued);
    return () => this.#queuedWatchers.delete(onQueued);
  }

  /**
   * Tells the watchers that events may have become claimable (see {@link Connection.watchQueued}):
   * once per flush, in a microtask, so that they run after the flush that committed them.
   */
  readonly queued = (): void => {
    if (this.#queuedNotice || this.#queuedWatchers.size === 0) return;
    this.#queuedNotice = true;
    queueMicrotask(() => {
      this.#queuedNotice = false;
      for (const watcher of this.#queuedWatchers) {
        try {
          watcher();
        } catch (error) {
          this.logger.error('a queued-events watcher failed', { error: String(error) });
        }
      }
    });
  };

  /** Flushes queued writes, waits until they are on disk and closes the database. A second call does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.commit.close();
      await this.#checkpointer?.close();
    } finally {
      this.db.close();
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new NexomaticError('CLOSED', 'the SQLite store is closed');
  }
}
