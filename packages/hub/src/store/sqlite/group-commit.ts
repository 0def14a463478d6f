import type Database from 'better-sqlite3';

/** Counters of a {@link GroupCommit}, read by tests and metrics. */
export interface GroupCommitStats {
  /** Outer transactions run (one per flush that had work). */
  transactions: number;
  /** Queued operations run across every transaction. */
  operations: number;
}

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit: writes queued during one turn of the event loop run together in one
 * `BEGIN IMMEDIATE` transaction, so many writes share one fsync.
 *
 * Each queued operation runs in its own nested transaction (a SAVEPOINT), so one failing operation
 * rolls back only its own changes and rejects only its own promise. Promises resolve after the
 * outer COMMIT, that is once the write is durable.
 */
export class GroupCommit {
  /** How many transactions and operations ran; for tests and metrics. */
  readonly stats: GroupCommitStats = { transactions: 0, operations: 0 };

  readonly #db: Database.Database;
  readonly #mapError: (error: unknown) => unknown;
  readonly #outer: Database.Transaction<(batch: readonly Pending[], outcomes: Outcome[]) => void>;
  readonly #nested: Database.Transaction<(run: () => unknown) => unknown>;
  #queue: Pending[] = [];
  #scheduled: NodeJS.Immediate | null = null;

  constructor(db: Database.Database, mapError: (error: unknown) => unknown = (error) => error) {
    this.#db = db;
    this.#mapError = mapError;
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

  /** Queues `run` for the next flush; resolves with its result once committed. */
  enqueue<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Number of operations waiting for the next flush. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Runs every queued operation now, in one transaction. Never throws. */
  flush(): void {
    if (this.#scheduled !== null) {
      clearImmediate(this.#scheduled);
      this.#scheduled = null;
    }
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const outcomes: Outcome[] = [];
    this.stats.transactions += 1;
    this.stats.operations += batch.length;
    try {
      this.#outer.immediate(batch, outcomes);
    } catch (error) {
      const mapped = this.#mapError(error);
      for (const pending of batch) pending.reject(mapped);
      return;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) pending.resolve(outcome.value);
      else pending.reject(this.#mapError(outcome?.error));
    });
  }
}
