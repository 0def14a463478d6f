/**
 * Following an event's Log records while it runs, until it is finished. Over a WebSocket the hub's
 * `logs.tail` subscription pushes each record as it is stored; without one, or when the WebSocket
 * cannot open (a proxy that refuses upgrades), the client pages through `logs.query` every
 * `intervalMs`. Either way every record is given once, in `(attempt, seq)` order.
 */
import type { EventRecord, LogRecord } from '@nexomatic/core';
import type { TailOptions } from './types.js';

/** The calls a tail makes. */
export interface TailCalls {
  /** Waits up to `timeoutMs` (or until `signal` aborts) for the event to finish; returns it as it is then. */
  wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<EventRecord>;
  /** One page of the event's records (at or after time `from`), after `cursor`. */
  page(query: { eventId: string; attempt?: number; from?: string; cursor?: string }): Promise<{ items: LogRecord[]; nextCursor: string | null }>;
  /**
   * The live subscription, when the client has a WebSocket. `onStarted` when the hub confirmed it;
   * `onUnavailable` when the WebSocket failed to open before that (the tail then polls).
   */
  subscribe?(
    input: { eventId: string; attempt?: number },
    handlers: { onData(record: LogRecord): void; onError(error: unknown): void; onStarted(): void; onUnavailable(): void },
  ): { unsubscribe(): void };
}

const FINISHED: ReadonlySet<string> = new Set(['SUCCESS', 'WARNING', 'ERROR']);
/** How far before the last record's time a polling read starts: records stamped a little out of order are still read. */
const CLOCK_SLACK_MS = 5_000;

/** The key of a record within its event. */
const keyOf = (r: LogRecord) => `${r.attempt}:${r.seq}`;

/** Every record of the event (at or after time `from`), page by page. */
async function* pages(calls: TailCalls, eventId: string, attempt: number | undefined, from: string | undefined) {
  let cursor: string | undefined;
  for (;;) {
    const page = await calls.page({ eventId, ...(attempt !== undefined ? { attempt } : {}), ...(from ? { from } : {}), ...(cursor ? { cursor } : {}) });
    yield* page.items;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

/** Loops `wait` until the event is finished or `signal` aborts. */
async function finished(calls: TailCalls, eventId: string, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const event = await calls.wait(eventId, 25_000, signal);
    if (FINISHED.has(event.state)) return;
  }
}

/**
 * Yields the Log records of event `eventId` as they arrive; ends once the event is finished and
 * every record it has was yielded, or when `options.signal` aborts.
 */
export async function* tailLogs(calls: TailCalls, eventId: string, options: TailOptions = {}): AsyncGenerator<LogRecord> {
  const seen = new Set<string>();
  const fresh = (r: LogRecord) => !seen.has(keyOf(r)) && (seen.add(keyOf(r)), true);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // The live tail returns false when its WebSocket could not open: then poll.
    if (!calls.subscribe || !(yield* live(calls, eventId, options, stop.signal, fresh))) {
      // Each read starts at the time of the last record given (the ones at that time again, skipped).
      let from: string | undefined;
      // The state before each read: records read after the event was seen finished are all of its records.
      let { state } = await calls.wait(eventId, 0, stop.signal);
      for (;;) {
        for await (const record of pages(calls, eventId, options.attempt, from)) {
          if (!fresh(record)) continue;
          const since = new Date(Date.parse(record.time) - CLOCK_SLACK_MS).toISOString();
          if (from === undefined || since > from) from = since;
          yield record;
        }
        if (FINISHED.has(state) || stop.signal.aborted) break;
        // Returns early when the event finishes.
        const event = await calls.wait(eventId, options.intervalMs ?? 500, stop.signal).catch((error: unknown) => {
          if (stop.signal.aborted) return null;
          throw error;
        });
        if (!event) break;
        state = event.state;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}

/**
 * The tail over the `logs.tail` subscription, then one catch-up read once the event is finished.
 * Returns false (having yielded nothing) when the WebSocket failed to open before the subscription
 * started; true otherwise.
 */
async function* live(
  calls: TailCalls,
  eventId: string,
  options: TailOptions,
  signal: AbortSignal,
  fresh: (r: LogRecord) => boolean,
): AsyncGenerator<LogRecord, boolean> {
  const queue: LogRecord[] = [];
  let failure: unknown;
  let done = false;
  let started = false;
  let unavailable = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    wake?.();
    wake = undefined;
  };
  const subscription = calls.subscribe!(
    { eventId, ...(options.attempt !== undefined ? { attempt: options.attempt } : {}) },
    {
      onData: (record) => (queue.push(record), poke()),
      onError: (error) => ((failure = error), poke()),
      onStarted: () => (started = true),
      onUnavailable: () => {
        if (started) return;
        unavailable = true;
        poke();
      },
    },
  );
  // Its own stop, so a tail that falls back to polling leaves no wait behind.
  const waiting = new AbortController();
  const stopWaiting = () => waiting.abort();
  signal.addEventListener('abort', stopWaiting, { once: true });
  finished(calls, eventId, waiting.signal).then(
    () => ((done = true), poke()),
    (error: unknown) => ((failure ??= waiting.signal.aborted ? undefined : error), (done = true), poke()),
  );
  signal.addEventListener('abort', poke, { once: true });
  try {
    for (;;) {
      while (queue.length > 0) {
        const record = queue.shift()!;
        if (fresh(record)) yield record;
      }
      if (unavailable && !started) return false;
      if (failure !== undefined) throw failure;
      if (done || signal.aborted) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    subscription.unsubscribe();
    signal.removeEventListener('abort', stopWaiting);
    waiting.abort();
  }
  if (signal.aborted) return true;
  // Finished: whatever the subscription had not delivered yet is in the store.
  for await (const record of pages(calls, eventId, options.attempt, undefined)) if (fresh(record)) yield record;
  return true;
}
