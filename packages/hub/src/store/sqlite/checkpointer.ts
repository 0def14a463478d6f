import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from '@nexomatic/core';

/** WAL frames (pages) past which a checkpoint waits for writers, so the log stops growing: 16 MiB of 4 KiB pages. */
export const WAL_RESTART_FRAMES = 4096;
/** The least time between two checkpoints, in milliseconds. */
export const CHECKPOINT_SPACING_MS = 50;

/** What the checkpoint thread reports after each checkpoint. */
export interface CheckpointReport {
  /** Frames in the log when it ran. */
  log: number;
  /** Frames copied into the database file so far. */
  checkpointed: number;
  /** The checkpoint mode that ran. */
  mode: 'PASSIVE' | 'RESTART';
}

/**
 * The thread's code: its own connection to the file, one checkpoint per nudge at most every
 * `spacing` ms, `PASSIVE` (never waits for the hub's writes) unless the log has grown past
 * `restartFrames`, then `RESTART` (waits for the writer once, so the next write starts the log
 * over instead of growing it: a stream of writes can otherwise keep a passive checkpoint from ever
 * catching up).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
let log = 0, timer = null, last = 0, closing = false;
function run() {
  timer = null;
  if (closing) return;
  last = Date.now();
  const mode = log > workerData.restartFrames ? 'RESTART' : 'PASSIVE';
  try {
    const row = db.pragma('wal_checkpoint(' + mode + ')')[0];
    log = row.log;
    parentPort.postMessage({ kind: 'checkpoint', report: { log: row.log, checkpointed: row.checkpointed, mode } });
  } catch (error) {
    parentPort.postMessage({ kind: 'error', message: String(error && error.message || error) });
  }
}
parentPort.on('message', (message) => {
  if (message === 'close') {
    closing = true;
    if (timer) clearTimeout(timer);
    db.close();
    parentPort.close();
    return;
  }
  if (timer === null) timer = setTimeout(run, Math.max(0, last + workerData.spacingMs - Date.now()));
});
`;

/**
 * Checkpoints the write-ahead log from a worker thread with its own connection, so that the hub's
 * event loop never stops to copy the log into the database file and fsync it (SQLite's automatic
 * checkpoint runs inside the COMMIT that crosses its threshold: several milliseconds every few
 * hundred commits, and the larger share of commit time in the benchmark). The hub's connection
 * turns `wal_autocheckpoint` off once the thread is up, and back on at close; a database without a
 * thread (in memory, or the thread failed to start) keeps SQLite's automatic checkpoints.
 */
export class Checkpointer {
  /** Checkpoints run, for tests and metrics. */
  checkpoints = 0;
  /** The last checkpoint's report. */
  last: CheckpointReport | null = null;
  readonly #worker: Worker;
  readonly #db: Database.Database;
  #closed = false;
  /** When the thread was last nudged (`performance.now()`). */
  #nudged = -Infinity;
  #trailing: NodeJS.Timeout | null = null;

  private constructor(worker: Worker, db: Database.Database, logger: Logger) {
    this.#worker = worker;
    this.#db = db;
    worker.on('message', (message: { kind: 'checkpoint'; report: CheckpointReport } | { kind: 'error'; message: string }) => {
      if (message.kind === 'checkpoint') {
        this.checkpoints += 1;
        this.last = message.report;
      } else logger.warn('sqlite checkpoint failed; will retry', { error: message.message });
    });
    worker.on('error', (error) => {
      if (this.#closed) return;
      logger.error('sqlite checkpoint thread failed: automatic checkpoints are back on', { error: error.message });
      this.#closed = true;
      db.pragma('wal_autocheckpoint = 1000');
    });
    worker.unref();
  }

  /** Starts the thread for `db`, a file in WAL mode at `path`; null when the thread cannot start. */
  static start(db: Database.Database, path: string, busyTimeoutMs: number, logger: Logger): Checkpointer | null {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          module: createRequire(import.meta.url).resolve('better-sqlite3'),
          path,
          busyTimeoutMs,
          restartFrames: WAL_RESTART_FRAMES,
          spacingMs: CHECKPOINT_SPACING_MS,
        },
      });
    } catch (error) {
      logger.warn('sqlite checkpoint thread not started: automatic checkpoints stay on', { error: String(error) });
      return null;
    }
    db.pragma('wal_autocheckpoint = 0');
    return new Checkpointer(worker, db, logger);
  }

  /** Asks for a checkpoint soon (at most one per {@link CHECKPOINT_SPACING_MS}); called after commits. */
  nudge(): void {
    // The thread checkpoints at most once per spacing anyway: one message per half spacing is
    // enough, and a message per commit cost the event loop ~0.1 ms each.
    // A commit inside the window is nudged for at its end, so the last commits of a burst are
    // checkpointed too.
    if (this.#closed || this.#trailing !== null) return;
    const wait = this.#nudged + CHECKPOINT_SPACING_MS / 2 - performance.now();
    if (wait > 0) {
      this.#trailing = setTimeout(() => {
        this.#trailing = null;
        this.nudge();
      }, wait);
      this.#trailing.unref();
      return;
    }
    this.#nudged = performance.now();
    this.#worker.postMessage('nudge');
  }

  /** Stops the thread (after the checkpoint it may be running) and turns automatic checkpoints back on. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#trailing !== null) clearTimeout(this.#trailing);
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    // Keep the process alive until the thread has closed its connection.
    this.#worker.ref();
    this.#worker.postMessage('close');
    await exited;
    this.#db.pragma('wal_autocheckpoint = 1000');
  }
}
