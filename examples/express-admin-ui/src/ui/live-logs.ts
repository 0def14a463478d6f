/**
 * An event's Log records for the logs panel: while the event runs, followed live with the client's
 * `logs.tail` (over the hub's WebSocket; the client polls only when the WebSocket cannot open);
 * once it is finished, read once from the store.
 */
import { useEffect, useState } from 'react';
import type { EventRecord, LogRecord } from '@nexomatic/core';
import type { Api } from './api.js';
import { isFinished } from './format.js';
import { useLoad, type Loaded } from './hooks.js';

/** What the tail has given for one event and attempt. */
interface Tailed {
  key: string;
  records: LogRecord[];
  error: Error | undefined;
}

/** The records of `event`'s attempt `attempt`: live while it runs, stored once it is finished. */
export function useEventLogs(api: Api, event: EventRecord, attempt: number): Loaded<LogRecord[]> {
  const live = !isFinished(event);
  const key = `${event.id}:${attempt}`;
  const [tailed, setTailed] = useState<Tailed>({ key, records: [], error: undefined });
  // Finished: one read of everything stored (null while the event runs: the tail shows it).
  const stored = useLoad(() => (live ? Promise.resolve(null) : api.eventLogs(event.id, attempt)), [event.id, attempt, live], null);

  useEffect(() => {
    if (!live) return;
    const stop = new AbortController();
    const records: LogRecord[] = [];
    setTailed({ key, records: [], error: undefined });
    void (async () => {
      try {
        for await (const record of api.client.logs.tail(event.id, { attempt, signal: stop.signal })) {
          records.push(record);
          setTailed({ key, records: [...records], error: undefined });
        }
      } catch (err) {
        if (!stop.signal.aborted) setTailed({ key, records: [...records], error: err instanceof Error ? err : new Error(String(err)) });
      }
    })();
    return () => stop.abort();
  }, [api, event.id, attempt, live, key]);

  const fromTail = tailed.key === key ? tailed.records : [];
  if (!live && stored.data) return stored as Loaded<LogRecord[]>;
  return {
    data: fromTail,
    error: live ? (tailed.key === key ? tailed.error : undefined) : stored.error,
    loading: false,
    reload: stored.reload,
  };
}
