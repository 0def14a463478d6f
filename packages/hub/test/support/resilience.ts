import { existsSync, readFileSync } from 'node:fs';
import type { DefinitionsInput, EventPage, EventQuery, EventRecord } from '@nexomatic/core';
import type { SinkProcess } from './sink-process.js';
import { testDefinitions } from './test-hub.js';

/** Short leases, as in the lease tests: a lost sink is noticed within about a second. */
export const fastLeases = { leaseMs: 1000, heartbeatIntervalMs: 200, pollIntervalMs: 100 };

/**
 * {@link testDefinitions} plus what the resilience tests run:
 * - `res-work` (module `resilience.counted`, up to 2 attempts) whose success chains a `res-parked`
 *   follow-on;
 * - `res-parked`, of a Sink Type (`RES:PARKED`) no sink ever serves, so follow-ons stay `QUEUED` and
 *   can be counted: one follow-on per parent proves the parent's SUCCESS applied exactly once;
 * - `res-burst` (module `resilience.counted`, up to 3 attempts), for high-volume firing;
 * - `res-burn` (module `resilience.burn`, one attempt), which busy-loops.
 */
export const resilienceDefinitions: DefinitionsInput = {
  sinkTypes: [...(testDefinitions.sinkTypes ?? []), { name: 'RES:PARKED', runtimes: ['node'] }],
  actions: [
    ...(testDefinitions.actions ?? []),
    { name: 'res-work', module: 'resilience.counted', onSuccess: 'res-parked' },
    { name: 'res-quick', module: 'resilience.counted' },
    { name: 'res-burn', module: 'resilience.burn' },
    { name: 'res-parked', module: 'resilience.counted' },
  ],
  eventTypes: [
    ...(testDefinitions.eventTypes ?? []),
    { name: 'res-work', sinkType: 'TEST:NODE', action: 'res-work', retry: { maxAttempts: 2 } },
    { name: 'res-parked', sinkType: 'RES:PARKED', action: 'res-parked' },
    { name: 'res-burst', sinkType: 'TEST:NODE', action: 'res-quick', retry: { maxAttempts: 3 } },
    { name: 'res-burn', sinkType: 'TEST:NODE', action: 'res-burn', retry: { maxAttempts: 1 } },
  ],
};

/** One run of a fixture module, as it appended it to its `payload.log` file. */
export interface Run {
  eventId: string;
  attempt: number;
  /** The pid of the sink agent whose runner process ran it. */
  agentPid: number;
}

/** The runs recorded in a `payload.log` file, grouped by event id. */
export function runsByEvent(file: string): Map<string, Run[]> {
  const runs = new Map<string, Run[]>();
  if (!existsSync(file)) return runs;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const [eventId, attempt, pid] = line.split(' ');
    const run = { eventId: eventId!, attempt: Number(attempt), agentPid: Number(pid) };
    runs.set(run.eventId, [...(runs.get(run.eventId) ?? []), run]);
  }
  return runs;
}

/** Every event matching `query`, reading page after page. */
export async function allEvents(list: (query: EventQuery) => Promise<EventPage>, query: Partial<EventQuery> = {}): Promise<EventRecord[]> {
  const events: EventRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: 1000, ...query, ...(cursor ? { cursor } : {}) } as EventQuery);
    events.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return events;
}

/** How many items fall in each group. */
export function tally<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** The sinkId a `nexomatic-sink` process printed when it came online. */
export function sinkIdOf(sink: SinkProcess): string {
  for (const line of sink.lines) {
    const match = /ONLINE \(sinkId ([0-9a-f-]{36})\)/.exec(line);
    if (match) return match[1]!;
  }
  throw new Error(`the sink printed no sinkId:\n${sink.lines.join('\n')}`);
}
