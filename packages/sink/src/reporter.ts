import { MAX_REPORT_BATCH, silentLogger, type Logger, type ReportInput } from '@nexomatic/core';
import { retryDelayMs as defaultRetryDelayMs } from './backoff.js';

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
}

/**
 * Batches reports to the hub: everything queued in one tick goes in one mutation (at most
 * `maxBatch` reports each), one mutation at a time, in order. A failed batch stays at the head of the
 * queue and is sent again on {@link Reporter.resume} (after a reconnect) or after a backoff, so no
 * report is lost while the process lives. Reports are idempotent on the hub, so resending is safe.
 */
export class Reporter {
  private readonly queue: ReportInput[] = [];
  /** JSON size of each queued report, measured once. */
  private readonly sizes: number[] = [];
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
  }

  /** How many reports wait to be sent (the batch in flight included). */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues a report; it goes out with the others queued in this tick. */
  enqueue(report: ReportInput): void {
    if (this.stopped) {
      this.logger.warn('report dropped: the reporter is stopped', { kind: report.kind });
      return;
    }
    this.queue.push(report);
    this.sizes.push(Buffer.byteLength(JSON.stringify(report)));
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
    this.sizes.length = 0;
    return this.queue.splice(0);
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
    const batch = this.queue.slice(0, this.batchLength());
    try {
      await this.send(batch);
      if (!this.stopped) {
        this.queue.splice(0, batch.length);
        this.sizes.splice(0, batch.length);
      }
      this.failures = 0;
    } catch (error) {
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

  /** How many reports from the head of the queue fit in one mutation (at least one). */
  private batchLength(): number {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < this.maxBatch) {
      bytes += this.sizes[count]!;
      if (count > 0 && bytes > this.maxBatchBytes) break;
      count += 1;
    }
    return count;
  }
}
