import { MAX_REPORT_BATCH, silentLogger, type Logger, type ReportInput } from '@nexomatic/core';
import { retryDelayMs as defaultRetryDelayMs } from './backoff.js';
import { DEFAULT_MAX_PENDING_REPORT_BYTES, DEFAULT_MAX_PENDING_REPORTS, ReportQueue } from './report-queue.js';

export { DEFAULT_MAX_PENDING_REPORTS, DEFAULT_MAX_PENDING_REPORT_BYTES } from './report-queue.js';

/** Sends one batch of reports to the hub (`sink.report`); rejects when the batch did not arrive. */
export type SendReports = (reports: ReportInput[]) => Promise<void>;

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
 * `maxBatch` reports each), one mutation at a time, in order. A failed batch stays at the head of the
 * queue and is sent again on {@link Reporter.resume} (after a reconnect) or after a backoff, so no
 * result is lost while the process lives. Reports are idempotent on the hub, so resending is safe.
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
  private scheduled = false;
  private sending = false;
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
    if (this.scheduled || this.sending || this.retryTimer || this.stopped || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.sending || this.stopped || this.queue.length === 0) return;
    this.sending = true;
    const batch = this.queue.take(this.maxBatch, this.maxBatchBytes);
    try {
      await this.send(batch);
      this.queue.sent();
      this.failures = 0;
    } catch (error) {
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
    } finally {
      this.sending = false;
    }
    if (this.queue.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    else if (this.failures === 0) this.flushSoon();
  }
}
