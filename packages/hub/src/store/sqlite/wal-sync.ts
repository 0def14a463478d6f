import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';
import type Database from 'better-sqlite3';

/**
 * Syncs a database's write-ahead log (`<path>-wal`) to disk off the event loop, through libuv's
 * thread pool: the fsync a `synchronous=FULL` commit would make inside `COMMIT`, blocking the
 * thread for milliseconds, made after a `synchronous=NORMAL` commit instead, while the hub goes on.
 *
 * Syncs are coalesced: {@link WalSync.sync} resolves after an fsync that *started* after the call,
 * so every transaction committed before the call is on disk; calls made while an fsync runs share
 * the next one. The file is opened read-write because some systems (Windows) refuse to flush a
 * read-only handle; nothing is ever written through it.
 */
export class WalSync {
  /** How many fsyncs ran; for tests and metrics. */
  syncs = 0;
  readonly #fd: number;
  /** Waiters of the fsync running now, and of the one to run after it. */
  #running: Array<(error: Error | null) => void> | null = null;
  #next: Array<(error: Error | null) => void> = [];
  #closed = false;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /**
   * Opens the log of the database file at `path` (in WAL mode), or returns null when it cannot:
   * the caller then keeps `synchronous=FULL`.
   */
  static open(path: string): WalSync | null {
    try {
      return new WalSync(openSync(`${path}-wal`, 'r+'));
    } catch {
      return null;
    }
  }

  /**
   * Runs `transaction` with `synchronous=NORMAL`, so its COMMIT writes the log without syncing it,
   * and sets `FULL` again after: follow it with {@link WalSync.sync} before telling anyone the
   * write is stored. Set with `exec` each time: SQLite applies a prepared `PRAGMA synchronous` when
   * it is prepared, not when it runs, so a statement kept for reuse would change nothing.
   */
  commitUnsynced<T>(db: Database.Database, transaction: () => T): T {
    db.exec('PRAGMA synchronous = NORMAL');
    try {
      return transaction();
    } finally {
      db.exec('PRAGMA synchronous = FULL');
    }
  }

  /** Resolves once everything committed before this call is on disk; rejects when the fsync failed. */
  sync(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the write-ahead log is closed'));
    return new Promise((resolve, reject) => {
      this.#next.push((error) => (error === null ? resolve() : reject(error)));
      if (this.#running === null) this.#start();
    });
  }

  /** Waits for the fsync running now, syncs once more, synchronously, and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#running !== null || this.#next.length > 0) await new Promise<void>((resolve) => this.#next.push(() => resolve()));
    try {
      fdatasyncSync(this.#fd);
    } finally {
      closeSync(this.#fd);
    }
  }

  #start(): void {
    const waiters = this.#next;
    this.#next = [];
    this.#running = waiters;
    fdatasync(this.#fd, (error) => {
      this.syncs += 1;
      this.#running = null;
      if (this.#next.length > 0) this.#start();
      for (const done of waiters) done(error);
    });
  }
}
