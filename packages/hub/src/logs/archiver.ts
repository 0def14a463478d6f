import type { LogRecord, Logger } from '@nexomatic/core';
import type { HubStore, LogAttempt } from '../store/port.js';
import { chunkName, chunkOf, encodeChunk, type LogArchive } from './archive.js';

/** What one {@link Archiver.run} did. */
export interface ArchiveSummary {
  /** Chunks written and indexed (one per attempt per run). */
  chunks: number;
  /** Records moved out of the store. */
  records: number;
  /** Compressed bytes written. */
  bytes: number;
}

/** Records read from the store at a time while gathering one attempt's chunk. */
const READ_PAGE = 5000;
/** Blobs written at once. */
const PARALLEL_WRITES = 4;

/**
 * Moves log records past retention from the store to a {@link LogArchive}, one chunk (a gzip of
 * JSON lines) per attempt. Each chunk goes in three steps, in this order:
 *
 * 1. write the blob, under a name derived from its records (the same records, the same name);
 * 2. record the chunk in the store's archive index and delete exactly its live records, as one
 *    unit (`logs.archive`);
 * 3. nothing else: the next pass finds what is left.
 *
 * A crash after 1 leaves the records live and an unindexed blob, which the next pass overwrites
 * with the same content. A crash inside 2 applies it whole or not at all (or, for a store that
 * records first and deletes second, leaves records both live and indexed, which queries show once
 * and the next pass finishes). So nothing is lost and nothing is shown twice. Events are never
 * touched.
 */
export class Archiver {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ArchiveSummary> | undefined;

  constructor(
    private readonly store: HubStore,
    private readonly archive: LogArchive,
    private readonly options: { retentionDays: number; archiveIntervalMs: number; archiveBatch: number },
    private readonly logger: Logger,
  ) {}

  /** Starts archiving every `archiveIntervalMs`. */
  start(): void {
    this.timer = setInterval(() => {
      this.run().catch((error: unknown) => this.logger.error('log archiving failed; will retry', { error: String(error), archive: this.archive.description }));
    }, this.options.archiveIntervalMs);
    this.timer.unref();
  }

  /**
   * Archives every attempt with records older than retention at `now`, batch after batch, and
   * returns what it moved. Runs one at a time: a call during a run waits for that run.
   */
  run(now = new Date()): Promise<ArchiveSummary> {
    this.running ??= this.pass(now).finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops the timer and waits for a run under way. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async pass(now: Date): Promise<ArchiveSummary> {
    const before = new Date(now.getTime() - this.options.retentionDays * 86_400_000);
    const summary: ArchiveSummary = { chunks: 0, records: 0, bytes: 0 };
    for (;;) {
      const attempts = await this.store.logs.archivable(before, this.options.archiveBatch);
      if (attempts.length === 0) break;
      const moved = summary.records;
      for (let i = 0; i < attempts.length; i += PARALLEL_WRITES) {
        // Every write of the group settles before a failure ends the run: none outlives it.
        const done = await Promise.allSettled(attempts.slice(i, i + PARALLEL_WRITES).map((attempt) => this.archiveAttempt(attempt, before, now)));
        for (const one of done) {
          if (one.status === 'rejected') throw one.reason;
          summary.chunks += one.value.records > 0 ? 1 : 0;
          summary.records += one.value.records;
          summary.bytes += one.value.bytes;
        }
      }
      // Attempts named but nothing moved (their records went meanwhile): stop rather than spin.
      if (summary.records === moved) break;
    }
    if (summary.chunks > 0) this.logger.info('archived log records', { ...summary, archive: this.archive.description });
    return summary;
  }

  /** Archives the live records of one attempt older than `before`. */
  private async archiveAttempt({ tenantId, eventId, attempt }: LogAttempt, before: Date, now: Date): Promise<{ records: number; bytes: number }> {
    const records: LogRecord[] = [];
    for (;;) {
      const last = records[records.length - 1];
      const page = await this.store.logs.query(tenantId, {
        eventId,
        attempt,
        to: before,
        ...(last ? { after: last } : {}),
        limit: READ_PAGE,
      });
      records.push(...page);
      if (page.length < READ_PAGE) break;
    }
    if (records.length === 0) return { records: 0, bytes: 0 };
    const name = chunkName(tenantId, eventId, attempt, records);
    const body = encodeChunk(records);
    await this.archive.put(name, body);
    await this.store.logs.archive(
      chunkOf(tenantId, records, name, body.byteLength, now),
      records.map((r) => r.seq),
    );
    return { records: records.length, bytes: body.byteLength };
  }
}
