import type { DefinitionsInput, SinkStatus } from '@nexomatic/core';
import type { Hub } from '../../src/index.js';
import type { SinkProcess } from './sink-process.js';
import { testDefinitions } from './test-hub.js';

/** {@link testDefinitions} plus `pid` (returns the runner's pid) and `gate-retry` (a gate with two attempts). */
export const controlDefinitions: DefinitionsInput = {
  sinkTypes: testDefinitions.sinkTypes,
  actions: [...(testDefinitions.actions ?? []), { name: 'pid', module: 'e2e.pid' }],
  eventTypes: [
    ...(testDefinitions.eventTypes ?? []),
    { name: 'pid', sinkType: 'TEST:NODE', action: 'pid' },
    { name: 'gate-retry', sinkType: 'TEST:NODE', action: 'gate', retry: { maxAttempts: 2, backoff: { initialMs: 10 } } },
  ],
};

/** The sink id a sink process printed when it came online. */
export function sinkIdOf(sink: SinkProcess): string {
  const line = sink.lines.find((l) => /ONLINE \(sinkId /.test(l));
  const id = line && /sinkId ([0-9a-f-]{36})/.exec(line)?.[1];
  if (!id) throw new Error(`no sinkId printed:\n${sink.lines.join('\n')}`);
  return id;
}

/** Every status the hub's store records for each sink, in order (wraps `upsert` and `setStatus`). */
export function recordStatuses(hub: Hub): (sinkId: string) => SinkStatus[] {
  const seen = new Map<string, SinkStatus[]>();
  const note = (id: string, status: SinkStatus) => {
    const list = seen.get(id) ?? [];
    if (list.at(-1) !== status) list.push(status);
    seen.set(id, list);
  };
  const sinks = hub.store.sinks;
  const upsert = sinks.upsert.bind(sinks);
  const setStatus = sinks.setStatus.bind(sinks);
  sinks.upsert = async (record) => {
    await upsert(record);
    note(record.id, record.status);
  };
  sinks.setStatus = async (id, status, at) => {
    await setStatus(id, status, at);
    note(id, status);
  };
  return (sinkId) => seen.get(sinkId) ?? [];
}
