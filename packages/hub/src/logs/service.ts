import { NexomaticError, type EventError, type LogRecord, type Logger } from '@nexomatic/core';
import type { HubStore, LogChunk, LogPosition, LogQuery } from '../store/port.js';
import { decodeChunk, type LogArchive } from './archive.js';
import { LogNotifier } from './notifier.js';
import { chunkLowerBound, comparator, encodeCursor, matcher, type LogPage } from './query.js';

/**
 * The `seq` of the record the hub writes for a failed attempt: past any seq a sink uses, so it
 * sorts last in its attempt and never collides with a module's record.
 */
export const ATTEMPT_ERROR_SEQ = 2_147_483_647;

/** Records one tail reads from the store at a time. */
const TAIL_PAGE = 500;

/** Where a live tail starts and what it follows. */
export interface TailRequest {
  eventId: string;
  /** Only this attempt's records. */
  attempt?: number;
  /** Only records after this `(attempt, seq)`; from the first record when absent. */
  after?: { attempt: number; seq: number };
}

/**
 * The hub's Logs: ingest (store, then wake live tails), queries that read live and archived
 * records as one (see {@link LogService.query}), live tails, and the error record of each failed
 * attempt.
 */
export class LogService {
  readonly notifier = new LogNotifier();

  constructor(
    private readonly store: HubStore,
    private readonly archive: LogArchive | undefined,
    private readonly logger: Logger,
  ) {}

  /** Stores records of a tenant (idempotent on their keys), then wakes the tails of their events. */
  async append(tenantId: string, records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.store.logs.append(tenantId, records);
    this.notifier.published(tenantId, records.map((r) => r.eventId));
  }

  /**
   * Keeps the error of a failed attempt as a Log record of that attempt (level `error`, stream
   * `log`, fields `{ code, attempt }`), so the attempts of a retried event stay visible.
   */
  async attemptError(tenantId: string, eventId: string, attempt: number, error: EventError | null, at: Date): Promise<void> {
    const record: LogRecord = {
      eventId,
      attempt,
      seq: ATTEMPT_ERROR_SEQ,
      time: at.toISOString(),
      stream: 'log',
      level: 'error',
      message: (error?.message ?? 'the attempt failed').slice(0, 64 * 1024),
      fields: { code: error?.code ?? 'INTERNAL', attempt },
    };
    await this.append(tenantId, [record]);
  }

  /**
   * One page of a tenant's records matching `query`, live and archived alike, in the query's order,
   * each record once: the same results before and after archiving. Archived chunks are read only
   * as far as the page needs.
   */
  async query(tenantId: string, query: LogQuery): Promise<LogPage> {
    const order = comparator(query);
    const live = await this.store.logs.query(tenantId, { ...query, limit: query.limit + 1 });
    const chunks = await this.store.logs.chunks(tenantId, query);
    const candidates = [...live];
    if (chunks.length > 0) {
      const matches = matcher(query);
      const { after } = query;
      // A chunk of one event that ends at or before `after` has nothing for this page.
      const needed = after && query.eventId !== undefined ? chunks.filter((c) => c.attempt > after.attempt || (c.attempt === after.attempt && c.maxSeq > after.seq)) : chunks;
      const sorted = [...needed].sort((a, b) => order(chunkLowerBound(a), chunkLowerBound(b)));
      for (const chunk of sorted) {
        if (candidates.length > query.limit) {
          candidates.sort(order);
          // Every record of this chunk (and of later ones) sorts after the page's last place.
          if (order(chunkLowerBound(chunk), candidates[query.limit]!) > 0) break;
        }
        for (const record of await this.readChunk(chunk)) if (matches(record)) candidates.push(record);
      }
    }
    candidates.sort(order);
    const unique = candidates.filter((record, i) => i === 0 || order(record, candidates[i - 1]!) !== 0);
    const items = unique.slice(0, query.limit);
    return { items, nextCursor: unique.length > query.limit ? encodeCursor(items[items.length - 1]!) : null };
  }

  /**
   * Follows an event's records: those already stored (from `after`), then new ones as they arrive,
   * each once, in `(attempt, seq)` order; it ends when `signal` aborts. A record that arrives after
   * a later record of its attempt was yielded is not yielded (a query shows it).
   */
  async *tail(tenantId: string, request: TailRequest, signal: AbortSignal): AsyncGenerator<LogRecord> {
    let dirty = true;
    let wake: (() => void) | undefined;
    const off = this.notifier.subscribe(tenantId, request.eventId, () => {
      dirty = true;
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    let position: LogPosition | undefined = request.after ? { ...request.after, eventId: request.eventId, time: new Date(0).toISOString() } : undefined;
    try {
      while (!signal.aborted) {
        if (!dirty) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        dirty = false;
        for (;;) {
          const page = await this.query(tenantId, {
            eventId: request.eventId,
            ...(request.attempt !== undefined ? { attempt: request.attempt } : {}),
            ...(position ? { after: position } : {}),
            limit: TAIL_PAGE,
          });
          for (const record of page.items) {
            if (signal.aborted) return;
            yield record;
            position = record;
          }
          if (page.nextCursor === null) break;
        }
      }
    } finally {
      off();
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async readChunk(chunk: LogChunk): Promise<LogRecord[]> {
    if (!this.archive) {
      throw new NexomaticError('INTERNAL', `log chunk ${chunk.name} is archived, but the hub has no logs.archive configured`);
    }
    const body = await this.archive.get(chunk.name);
    if (body === null) {
      this.logger.error('an archived log chunk is missing from the archive', { name: chunk.name, archive: this.archive.description });
      throw new NexomaticError('INTERNAL', `archived log chunk ${chunk.name} is missing from ${this.archive.description}`);
    }
    return decodeChunk(chunk.name, body);
  }
}
