import { type ClientSession, type Collection, type Db, type Document, type MongoClient, type TransactionOptions } from 'mongodb';
import { NexomaticError, type Logger } from '@nexomatic/core';
import type { CounterDoc } from './counters.js';
import type { EventDoc } from './documents.js';
import { COLLECTIONS, type CollectionKey } from './indexes.js';

/** What kind of deployment the store talks to, from the server's `hello` answer. */
export type Topology = 'standalone' | 'replicaSet' | 'sharded';

/**
 * The topology a `hello` reply describes: a replica set member names its set (`setName`), a
 * `mongos` router answers `msg: 'isdbgrid'`, anything else is a standalone server.
 */
export function topologyOf(hello: Document): Topology {
  if (hello.msg === 'isdbgrid') return 'sharded';
  if (typeof hello.setName === 'string' && hello.setName.length > 0) return 'replicaSet';
  return 'standalone';
}

/** Whether an error is a duplicate-key error (`E11000`), optionally on the index named `index`. */
export function isDuplicateKey(error: unknown, index?: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 11000 && code !== 11001) return false;
  if (index === undefined) return true;
  const message = String((error as { errmsg?: unknown; message?: unknown }).errmsg ?? (error as Error).message ?? '');
  return message.includes(`index: ${index} `) || message.includes(`index: ${index}`);
}

/** Wraps a driver failure into a NexomaticError: duplicate keys are `CONFLICT`, the rest `INTERNAL`. */
export function storeError(error: unknown): NexomaticError {
  if (error instanceof NexomaticError) return error;
  return NexomaticError.from(error, isDuplicateKey(error) ? 'CONFLICT' : 'INTERNAL');
}

/** The read and write concerns of the store's transactions. */
export const TRANSACTION_OPTIONS: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
};

/**
 * One database and what every aggregate shares: the collections, whether multi-document
 * transactions are available, the closed flag and the writes in flight (which `close()` waits for).
 */
export class MongoConnection {
  /** The client the database belongs to. */
  readonly client: MongoClient;
  /** The database every collection lives in. */
  readonly db: Db;
  /** Where the adapter logs. */
  readonly logger: Logger;
  /** True on a replica set or sharded cluster with `transactions` not turned off. */
  readonly transactions: boolean;
  /** The deployment's topology, from `hello`. */
  readonly topology: Topology;
  readonly #prefix: string;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #onClose: Array<() => Promise<void> | void> = [];
  readonly #ownsClient: boolean;
  #closed = false;

  constructor(init: { client: MongoClient; db: Db; logger: Logger; topology: Topology; transactions: boolean; prefix: string; ownsClient: boolean }) {
    this.client = init.client;
    this.db = init.db;
    this.logger = init.logger;
    this.topology = init.topology;
    this.transactions = init.transactions;
    this.#prefix = init.prefix;
    this.#ownsClient = init.ownsClient;
  }

  /** The collection of an aggregate, with the store's prefix. */
  collection<T extends Document = Document>(key: CollectionKey): Collection<T> {
    return this.db.collection<T>(this.#prefix + COLLECTIONS[key]);
  }

  /** The events collection. */
  get events(): Collection<EventDoc> {
    return this.collection<EventDoc>('events');
  }

  /** The queue counters collection. */
  get counters(): Collection<CounterDoc> {
    return this.collection<CounterDoc>('counters');
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Runs `fn` now, tracked so that `close()` waits for it; driver errors become NexomaticErrors. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new NexomaticError('CLOSED', 'the MongoDB store is closed');
    const work = fn();
    this.#inflight.add(work);
    try {
      return await work;
    } catch (error) {
      throw storeError(error);
    } finally {
      this.#inflight.delete(work);
    }
  }

  /**
   * Runs `fn` as one unit: in a multi-document transaction (majority write concern, snapshot reads)
   * where the deployment has them, passing the session every operation must use; without a
   * session on a standalone server, where the caller's own fallback applies. `fn` may run more
   * than once (transient transaction errors are retried), so it must not keep state across runs.
   */
  unit<T>(fn: (session: ClientSession | undefined) => Promise<T>): Promise<T> {
    if (!this.transactions) return this.run(() => fn(undefined));
    return this.run(() => this.client.withSession((session) => session.withTransaction(() => fn(session), TRANSACTION_OPTIONS)));
  }

  /** Registers something to stop on close (change streams, timers), before the client closes. */
  onClose(step: () => Promise<void> | void): void {
    this.#onClose.push(step);
  }

  /** Waits for the operations in flight, stops watchers and closes the client if the store owns it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    for (const step of this.#onClose.splice(0)) {
      try {
        await step();
      } catch (error) {
        this.logger.warn('mongo store: a close step failed', { error: String(error) });
      }
    }
    if (this.#ownsClient) await this.client.close();
  }
}
