import type { LogLevel, LogRecord } from '@nexomatic/core';
import type { Hub } from '../../src/index.js';

const DAY = 86_400_000;

/** What {@link seedLogs} stored: the events, and the instant archiving runs at. */
export interface SeededLogs {
  /** Archive "now": retention (30 days) is measured back from here. */
  now: Date;
  /** Two events of the default tenant, one of tenant B. */
  events: { first: string; second: string; other: string };
  tenantB: string;
  /** How many records are older than retention at `now` (the archiver moves exactly these). */
  old: number;
  /** How many records stay live. */
  recent: number;
}

const LEVELS: LogLevel[] = ['debug', 'info', 'warning', 'error'];

/**
 * Stores log records of three events around a 30-day retention: old attempts, an attempt that
 * straddles the cutoff, records exactly at the cutoff and a millisecond before it, and another
 * tenant's. Messages carry `needle` now and then, for text queries.
 */
export async function seedLogs(hub: Hub, tenantB: string): Promise<SeededLogs> {
  const now = new Date(Date.now() - (Date.now() % 1000));
  const cutoff = now.getTime() - 30 * DAY;
  const first = (await hub.fire({ eventType: 'echo', payload: { seeded: 'first' } })).id;
  const second = (await hub.fire({ eventType: 'echo', payload: { seeded: 'second' } })).id;
  const other = (await hub.fire({ eventType: 'echo', payload: { seeded: 'other' } }, tenantB)).id;
  let old = 0;
  let recent = 0;
  const rec = (eventId: string, attempt: number, seq: number, at: number, message?: string): LogRecord => {
    if (at < cutoff) old += 1;
    else recent += 1;
    return {
      eventId,
      attempt,
      seq,
      time: new Date(at).toISOString(),
      stream: seq % 3 === 0 ? 'stdout' : 'log',
      level: LEVELS[seq % 4]!,
      message: message ?? `${seq % 5 === 0 ? 'Needle' : 'hay'} ${eventId.slice(0, 8)} ${attempt}.${seq}`,
      ...(seq % 3 === 0 ? {} : { fields: { seq, nested: { ok: true } } }),
    };
  };
  const firstRecords: LogRecord[] = [];
  for (let seq = 0; seq < 12; seq++) firstRecords.push(rec(first, 1, seq, cutoff - 10 * DAY + seq * 1000));
  // Attempt 2 straddles the cutoff: its old records are archived, its new ones stay.
  for (let seq = 0; seq < 6; seq++) firstRecords.push(rec(first, 2, seq, cutoff - 2 * DAY + seq * 1000));
  for (let seq = 6; seq < 10; seq++) firstRecords.push(rec(first, 2, seq, now.getTime() - DAY + seq * 1000));
  const secondRecords = [
    rec(second, 1, 0, cutoff - 5 * DAY),
    rec(second, 1, 1, cutoff - 1, 'one millisecond past retention'),
    rec(second, 1, 2, cutoff, 'exactly at the retention boundary'),
    rec(second, 1, 3, cutoff + 1),
  ];
  const otherRecords = [0, 1, 2].map((seq) => rec(other, 1, seq, cutoff - 3 * DAY + seq * 1000));
  await hub.store.logs.append(hub.tenantId, firstRecords);
  await hub.store.logs.append(hub.tenantId, secondRecords);
  await hub.store.logs.append(tenantB, otherRecords);
  return { now, events: { first, second, other }, tenantB, old, recent };
}

/**
 * Everything the log queries answer for the seeded events, through `hub.logs.query` (and paging
 * through cursors): compared before and after archiving, it must not change.
 */
export async function logAnswers(hub: Hub, seeded: SeededLogs): Promise<unknown> {
  const { first, second, other } = seeded.events;
  const all = async (query: Parameters<Hub['logs']['query']>[0], tenantId?: string) => {
    const items: LogRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await hub.logs.query({ ...query, ...(cursor ? { cursor } : {}) }, tenantId);
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  };
  const boundary = new Date(seeded.now.getTime() - 30 * DAY);
  return {
    first: await all({ eventId: first, limit: 7 }),
    firstAttempt2: await all({ eventId: first, attempt: 2, limit: 1000 }),
    firstWarnings: await all({ eventId: first, minLevel: 'warning', limit: 3 }),
    firstNeedles: await all({ eventId: first, text: 'needle', limit: 1000 }),
    second: await all({ eventId: second, limit: 1000 }),
    aroundBoundary: await all({ eventId: second, from: new Date(boundary.getTime() - 1).toISOString(), to: new Date(boundary.getTime() + 1).toISOString(), limit: 1000 }),
    tenant: await all({ limit: 5 }),
    tenantErrors: await all({ minLevel: 'error', limit: 2 }),
    tenantB: await all({ limit: 1000 }, seeded.tenantB),
    otherFromA: await all({ eventId: other, limit: 1000 }).catch((error: unknown) => (error as { code?: string }).code),
  };
}
