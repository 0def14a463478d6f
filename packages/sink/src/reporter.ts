import { MAX_REPORT_BATCH, silentLogger, type Logger, type ReportInput } from '@nexomatic/core';
import { retryDelayMs as defaultRetryDelayMs } from './backoff.js';
import { DEFAULT_MAX_PENDING_REPORT_BYTES, DEFAULT_MAX_PENDING_REPORTS, ReportQueue } from './report-queue.js';

export { DEFAULT_MAX_PENDING_REPORTS, DEFAULT_MAX_PENDING_REPORT_BYTES } from './report-queue.js';

/**
 * Sends one batch of reports to the hub (`sink.report`); rejects when the batch did not arrive.
 * `signal` aborts it (it is then resent with the batches before it).
 */
export type SendReports = (reports: ReportInput[], signal: AbortSignal) => Promise<void>;

/** Options of a {@link Reporter}. */
export interface ReporterOptions {
  send: SendReports;
  logger?: Logger;
  /** Most reports per mutation. @default MAX_REPORT_BATCH */
  maxBatch?: number;
  /**
   * Most bytes of JSON per mutation (the hub closes a socket whose message is too large); a single
   * larger report still goes, alone. @default 1 MiB
   */
  maxBatchBytes?: number;
  /**
   * Most mutations in flight at once. More than one lets the sink report the next tasks' results
   * while the hub is still storing the previous batch (its answer waits for the disk), so the sink
   * and the hub work at the same time instead of taking turns. @default 4
   */
  maxInFlight?: number;
  /** Wait before retrying a failed send, by failure count from 1. @default jittered backoff up to 10 s */
  retryDelayMs?: (failures: number) => number;
  /**
   * Most reports held while they cannot be sent. When full, the oldest log records are dropped
   * (never a `started` or `result` report) and each task gets a record saying how many it lost.
   * @default DEFAULT_MAX_PENDING_REPORTS (10,000)
   */
  maxPending?: number;
  /**
   * Most bytes of reports (as JSON) held while they cannot be sent; past it the oldest log records
   * give way as with `maxPending`. @default DEFAULT_MAX_PENDING_REPORT_BYTES (64 MiB)
   */
  maxPendingBytes?: number;
}

/**
 * Batches reports to the hub: everything queued in one tick goes in one mutation (at most
 * `maxBatch` reports each), in order, with up to `maxInFlight` mutations under way. When one fails,
 * the reporter waits for the others to settle; every batch not yet answered in order stays at the
 * head of the queue and is sent again on {@link Reporter.resume} (after a reconnect) or after a
 * backoff, so no result is lost while the process lives. Reports are idempotent on the hub, so
 * resending a batch that did arrive is safe.
 * The queue is bounded (`maxPending`): while the hub stays away, the oldest log records give way,
 * and the hub is told how many per task.
 */
export class Reporter {
  private readonly queue: ReportQueue;
  private readonly send: SendReports;
  private readonly logger: Logger;
  private readonly maxBatch: number;
  private readonly maxBatchBytes: number;
  private readonly retryDelay: (failures: number) => number;
  private readonly maxInFlight: number;
  private scheduled = false;
  /** The mutations under way, oldest first. */
  private batches: Array<{ count: number; state: 'sending' | 'sent' | 'failed'; abort: AbortController }> = [];
  /** The first error of the round of batches that failed, while the others settle. */
  private failure: unknown = undefined;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(options: ReporterOptions) {
    this.send = options.send;
    this.logger = options.logger ?? silentLogger;
    this.maxBatch = options.maxBatch ?? MAX_REPORT_BATCH;
    this.maxBatchBytes = options.maxBatchBytes ?? 1024 * 1024;
    this.retryDelay = options.retryDelayMs ?? defaultRetryDelayMs;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    const max = options.maxPending ?? DEFAULT_MAX_PENDING_REPORTS;
    const maxBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_REPORT_BYTES;
    this.queue = new ReportQueue(
      max,
      (record) =>
        this.logger.warn(`report buffer full (${max} reports or ${maxBytes} bytes): dropping the oldest log records`, {
          eventId: record.eventId,
          attempt: record.attempt,
        }),
      maxBytes,
    );
  }

  /** How many reports wait to be sent (the batch in flight included). */
  get pending(): number {
    return this.queue.length;
  }

  /** How many bytes of reports (as JSON) wait to be sent. */
  get pendingBytes(): number {
    return this.queue.bytes;
  }

  /** How many log records were dropped because the queue was full. */
  get dropped(): number {
    return this.queue.dropped;
  }

  /** Queues a report; it goes out with the others queued in this tick. */
  enqueue(report: ReportInput): void {
    if (this.stopped) {
      this.logger.warn('report dropped: the reporter is stopped', { kind: report.kind });
      return;
    }
    this.queue.push(report);
    this.flushSoon();
  }

  /** Retries a failed batch now, e.g. after the connection came back. */
  resume(): void {
    if (this.failures === 0) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.flushSoon();
  }

  /** Resolves once every queued report was sent, or after `timeoutMs`; returns how many are left. */
  async drain(timeoutMs: number): Promise<number> {
    if (this.queue.length === 0) return 0;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    return this.queue.length;
  }

  /** Stops sending; reports still queued are returned to the caller. */
  stop(): ReportInput[] {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    return this.queue.clear();
  }

  private flushSoon(): void {
    if (this.scheduled || this.retryTimer || this.stopped || this.failure !== undefined) return;
    if (this.batches.length >= this.maxInFlight || this.queue.unsent === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (!this.stopped && this.failure === undefined && !this.retryTimer && this.batches.length < this.maxInFlight && this.queue.unsent > 0) {
      const reports = this.queue.take(this.maxBatch, this.maxBatchBytes);
      const batch = { count: reports.length, state: 'sending' as 'sending' | 'sent' | 'failed', abort: new AbortController() };
      this.batches.push(batch);
      this.send(reports, batch.abort.signal).then(
        () => {
          batch.state = 'sent';
          this.settled();
        },
        (error: unknown) => {
          batch.state = 'failed';
          if (this.failure === undefined) {
            this.failure = error;
            // The batches after it must not arrive before its resend (e.g. sent on the next
            // connection while this one is still failing): stop them; all of them go again, in order.
            for (const later of this.batches) if (later.state === 'sending') later.abort.abort();
          }
          this.settled();
        },
      );
    }
  }

  /** A mutation settled: removes what arrived in order, and retries or goes on. */
  private settled(): void {
    if (this.stopped) return;
    while (this.batches[0]?.state === 'sent') this.queue.sent(this.batches.shift()!.count);
    if (this.failure !== undefined) {
      if (this.batches.some((batch) => batch.state === 'sending')) return;
      // Every batch left is resent: the failed ones, and any that arrived after one that failed.
      const error = this.failure;
      this.batches = [];
      this.failure = undefined;
      this.queue.failed();
      this.failures += 1;
      const delay = this.retryDelay(this.failures);
      this.logger.warn('reports not delivered; will resend', {
        reports: this.queue.length,
        retryInMs: delay,
        error: error instanceof Error ? error.message : String(error),
      });
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.flushSoon();
      }, delay);
      this.retryTimer.unref();
      return;
    }
    this.failures = 0;
    if (this.queue.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    else this.flushSoon();
  }
}
