import type Database from 'better-sqlite3';
import type { WalSync } from './wal-sync.js';

/** Counters of a {@link GroupCommit}, read by tests and metrics. */
export interface GroupCommitStats {
  /** Outer transactions run (one per flush that had work). */
  transactions: number;
  /** Queued operations run across every transaction. */
  operations: number;
}

/** Options of one queued operation; see {@link GroupCommit.enqueue}. */
export interface EnqueueOptions<T> {
  /** Resolve only once the transaction is synced to disk. @default true */
  durable?: boolean;
  /** Called with the operation's result right after the COMMIT, before the sync. */
  onCommit?: (value: T) => void;
  /**
   * Commit ahead of the other writes queued in the same turn of the event loop, in a transaction
   * of their own, and let those wait one turn: for a write whose caller has work to hand off
   * before the others' statements run (a claim, whose Task Requests then leave first; see
   * {@link GroupCommit}). @default false
   */
  ahead?: boolean;
}

interface Pending {
  run: () => unknown;
  durable: boolean;
  ahead: boolean;
  onCommit: ((value: unknown) => void) | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Options of a {@link GroupCommit}. */
export interface GroupCommitOptions {
  /** Turns a failure into the error the promises reject with. @default the failure itself */
  mapError?: (error: unknown) => unknown;
  /** Syncs the log off the event loop; without it, each COMMIT syncs (`synchronous=FULL`). */
  wal?: WalSync | null;
  /** Called after each COMMIT, e.g. to nudge the checkpoint thread (`checkpointer.ts`). */
  afterCommit?: () => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit: writes queued during one turn of the event loop run together in one
 * `BEGIN IMMEDIATE` transaction, so many writes share one fsync.
 *
 * Each queued operation runs in its own nested transaction (a SAVEPOINT), so one failing operation
 * rolls back only its own changes and rejects only its own promise. Promises resolve once the
 * write is durable.
 *
 * With a {@link WalSync} (a file database in WAL mode), the fsync leaves the event loop: the flush
 * commits with `synchronous=NORMAL` (the commit writes the log without syncing it, so it is
 * visible to every connection and survives a crash of the process) and the promises resolve after
 * the log's fsync, which runs in libuv's thread pool while the hub goes on, and which later flushes
 * share when they commit while it runs. The durability is that of `synchronous=FULL`; what changes
 * is that the loop no longer stops for milliseconds per commit, and that the next flush may commit
 * while the previous one is being synced. An operation enqueued with `durable: false` resolves
 * right after its COMMIT, before the sync: for a write whose loss to a power cut is repaired by
 * the system itself (a claim: see `claim.ts`).
 *
 * Operations enqueued with `ahead: true` (claims) commit first, in a transaction of their own; the
 * other operations of that flush wait for the next turn of the event loop (once: an operation
 * already held back runs in the next flush whatever is queued), so the microtasks and writes the
 * early commit resolves run before their statements do. A sink's report then overlaps with the
 * next dispatch: its new Task Requests leave before the hub records the results that freed their
 * credits, and the sink runs them while the hub does (see `bench/README.md`, fourth round).
 */
export class GroupCommit {
  /** How many transactions and operations ran; for tests and metrics. */
  readonly stats: GroupCommitStats = { transactions: 0, operations: 0 };

  readonly #db: Database.Database;
  readonly #mapError: (error: unknown) => unknown;
  readonly #outer: Database.Transaction<(batch: readonly Pending[], outcomes: Outcome[]) => void>;
  readonly #nested: Database.Transaction<(run: () => unknown) => unknown>;
  readonly #wal: WalSync | null;
  readonly #afterCommit: (() => void) | undefined;
  #queue: Pending[] = [];
  /** Operations a flush of `ahead` operations held back: the next flush runs them, whatever it holds. */
  #behind: Pending[] = [];
  #scheduled: NodeJS.Immediate | null = null;
  /** Durable operations committed and waiting for their fsync. */
  #syncing = 0;

  constructor(db: Database.Database, options: GroupCommitOptions = {}) {
    const { mapError = (error: unknown) => error, wal = null, afterCommit } = options;
    this.#db = db;
    this.#mapError = mapError;
    this.#wal = wal;
    this.#afterCommit = afterCommit;
    this.#nested = db.transaction((run: () => unknown) => run());
    this.#outer = db.transaction((batch: readonly Pending[], outcomes: Outcome[]) => {
      outcomes.length = 0;
      for (const pending of batch) {
        try {
          outcomes.push({ ok: true, value: this.#nested(pending.run) });
        } catch (error) {
          // SQLite rolled the whole transaction back (e.g. disk full): the batch cannot go on.
          if (!this.#db.inTransaction) throw error;
          outcomes.push({ ok: false, error });
        }
      }
    });
  }

  /**
   * Queues `run` for the next flush; resolves with its result once committed and synced to disk,
   * or, with `durable: false`, once committed (visible to every connection, safe from a crash of
   * the process, not yet from a power cut). `onCommit` hears of the commit in either case.
   */
  enqueue<T>(run: () => T, { durable = true, onCommit, ahead = false }: EnqueueOptions<T> = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { run, durable, ahead, onCommit: onCommit as Pending['onCommit'], resolve: resolve as (value: unknown) => void, reject };
      this.#queue.push(pending);
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Number of operations waiting for the next flush, or committed and waiting for their fsync. */
  get pending(): number {
    return this.#queue.length + this.#behind.length + this.#syncing;
  }

  /**
   * Runs the queued operations now: the `ahead` ones in a transaction of their own, then the
   * others in one transaction, or, when `ahead` ones ran and none was held back before, in the
   * next turn of the loop. `all` runs everything now. Never throws.
   */
  flush(all = false): void {
    if (this.#scheduled !== null) {
      clearImmediate(this.#scheduled);
      this.#scheduled = null;
    }
    const queued = this.#queue;
    this.#queue = [];
    const ahead = queued.filter((pending) => pending.ahead);
    const rest = ahead.length === 0 ? queued : queued.filter((pending) => !pending.ahead);
    const heldBack = this.#behind.length > 0;
    const others = heldBack ? this.#behind.concat(rest) : rest;
    this.#behind = [];
    if (ahead.length > 0) this.#commit(ahead);
    if (ahead.length > 0 && !heldBack && !all && others.length > 0) {
      this.#behind = others;
      this.#scheduled = setImmediate(() => this.flush());
      return;
    }
    if (others.length > 0) this.#commit(others);
  }

  /** Runs operations in one transaction and settles their promises. */
  #commit(batch: readonly Pending[]): void {
    const outcomes: Outcome[] = [];
    this.stats.transactions += 1;
    this.stats.operations += batch.length;
    try {
      const transaction = () => this.#outer.immediate(batch, outcomes);
      if (this.#wal === null) transaction();
      else this.#wal.commitUnsynced(this.#db, transaction);
    } catch (error) {
      const mapped = this.#mapError(error);
      for (const pending of batch) pending.reject(mapped);
      return;
    }
    this.#afterCommit?.();
    const synced: Array<{ pending: Pending; value: unknown }> = [];
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (!outcome?.ok) return pending.reject(this.#mapError(outcome?.error));
      pending.onCommit?.(outcome.value);
      if (pending.durable && this.#wal !== null) synced.push({ pending, value: outcome.value });
      else pending.resolve(outcome.value);
    });
    if (synced.length > 0) this.#afterSync(synced);
  }

  /** Waits until the flush's operations are synced to disk; calls made meanwhile share the fsync. */
  #afterSync(synced: Array<{ pending: Pending; value: unknown }>): void {
    this.#syncing += synced.length;
    this.#wal!.sync().then(
      () => {
        this.#syncing -= synced.length;
        for (const { pending, value } of synced) pending.resolve(value);
      },
      (error: unknown) => {
        this.#syncing -= synced.length;
        const mapped = this.#mapError(error);
        for (const { pending } of synced) pending.reject(mapped);
      },
    );
  }

  /** Flushes, waits for the fsync of everything committed, and closes the log's file. */
  async close(): Promise<void> {
    this.flush(true);
    await this.#wal?.close();
  }
}
