import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LogLevel, LogRecord } from '@nexomatic/core';
import type { LogChunk } from '../port.js';
import { BASE, scenario, type Harness } from './fixtures.js';

const LEVELS: LogLevel[] = ['debug', 'info', 'warning', 'error'];

/** A record of `eventId`, at `BASE + seconds`. */
function rec(eventId: string, attempt: number, seq: number, seconds: number, message = `line ${attempt}.${seq}`, level: LogLevel = LEVELS[seq % 4]!): LogRecord {
  return { eventId, attempt, seq, time: new Date(BASE + seconds * 1000).toISOString(), stream: 'log', level, message };
}

/** The index row of a chunk holding `records` (of one attempt, in seq order). */
function chunkOf(tenantId: string, records: LogRecord[]): LogChunk {
  const times = records.map((r) => Date.parse(r.time));
  const first = records[0]!;
  return {
    tenantId,
    eventId: first.eventId,
    attempt: first.attempt,
    name: `contract/${first.eventId}/${first.attempt}-${first.seq}-${records[records.length - 1]!.seq}`,
    minSeq: first.seq,
    maxSeq: records[records.length - 1]!.seq,
    count: records.length,
    firstTime: new Date(Math.min(...times)),
    lastTime: new Date(Math.max(...times)),
    levels: [...new Set(records.map((r) => r.level))],
    bytes: 100,
    archivedAt: new Date(BASE + 86_400_000),
  };
}

/** Log queries (filters, orders, paging) and the archive index. */
export function describeLogs(harness: Harness): void {
  describe('log queries', () => {
    it('filters by attempt, lowest level, time range and text, and pages after a position', async () => {
      const store = await harness.store();
      const { tenantId } = scenario();
      const eventId = randomUUID();
      const records = [
        rec(eventId, 1, 0, 10, 'Starting the import'),
        rec(eventId, 1, 1, 11, 'fetched 100% of rows_a'),
        rec(eventId, 1, 2, 12, 'retrying'),
        rec(eventId, 1, 3, 13, 'IMPORT failed'),
        rec(eventId, 2, 0, 20, 'starting again'),
        rec(eventId, 2, 1, 21, 'import done'),
      ];
      await store.logs.append(tenantId, records);
      const q = (extra: object) => store.logs.query(tenantId, { eventId, limit: 100, ...extra });
      expect(await q({ attempt: 2 })).toEqual(records.slice(4));
      expect(await q({ minLevel: 'warning' })).toEqual([records[2], records[3]]);
      expect(await q({ from: new Date(BASE + 11_000), to: new Date(BASE + 20_000) })).toEqual(records.slice(1, 4));
      // Text: a substring, ASCII case ignored, LIKE wildcards taken literally.
      expect(await q({ text: 'import' })).toEqual([records[0], records[3], records[5]]);
      expect(await q({ text: '100%' })).toEqual([records[1]]);
      expect(await q({ text: 's_a' })).toEqual([records[1]]);
      expect(await q({ text: '_' })).toEqual([records[1]]);
      // Paging: after a record, in (attempt, seq) order.
      expect(await q({ after: records[2], limit: 2 })).toEqual([records[3], records[4]]);
    });

    it('orders a tenant’s records without an event by time, then event, attempt and seq', async () => {
      const store = await harness.store();
      const { tenantId, otherTenantId } = scenario();
      const [a, b] = [randomUUID(), randomUUID()].sort();
      const records = [rec(b!, 1, 0, 5), rec(a!, 1, 0, 5), rec(a!, 1, 1, 7), rec(b!, 1, 1, 6)];
      await store.logs.append(tenantId, records);
      await store.logs.append(otherTenantId, [rec(randomUUID(), 1, 0, 5)]);
      const all = await store.logs.query(tenantId, { limit: 100 });
      expect(all).toEqual([records[1], records[0], records[3], records[2]]);
      expect(await store.logs.query(tenantId, { after: records[0]!, limit: 100 })).toEqual([records[3], records[2]]);
    });
  });

  describe('log archive index', () => {
    it('names attempts with records older than a time, oldest first, across tenants', async () => {
      const store = await harness.store();
      const s = scenario();
      const [old, newer, fresh] = [randomUUID(), randomUUID(), randomUUID()];
      // Far in the past, so records of other tests (stores may share data) are younger.
      const past = -10 * 365 * 86_400;
      await store.logs.append(s.tenantId, [rec(newer, 1, 0, past + 20), rec(fresh, 1, 0, past + 100)]);
      await store.logs.append(s.otherTenantId, [rec(old, 2, 0, past + 10), rec(old, 2, 1, past + 30)]);
      const found = await store.logs.archivable(new Date(BASE + (past + 50) * 1000), 10);
      expect(found.slice(0, 2)).toEqual([
        { tenantId: s.otherTenantId, eventId: old, attempt: 2 },
        { tenantId: s.tenantId, eventId: newer, attempt: 1 },
      ]);
      expect(found.some((f) => f.eventId === fresh)).toBe(false);
      expect(await store.logs.archivable(new Date(BASE + (past + 50) * 1000), 1)).toHaveLength(1);
    });

    it('indexes a chunk and deletes exactly its records, idempotently; refuses resends of archived keys', async () => {
      const store = await harness.store();
      const { tenantId, otherTenantId } = scenario();
      const eventId = randomUUID();
      const records = [0, 1, 2, 3].map((seq) => rec(eventId, 1, seq, 10 + seq));
      await store.logs.append(tenantId, records);
      const chunk = chunkOf(tenantId, records.slice(0, 3));
      await store.logs.archive(chunk, [0, 1, 2]);
      await store.logs.archive(chunk, [0, 1, 2]);
      expect(await store.logs.query(tenantId, { eventId, limit: 100 })).toEqual([records[3]]);
      expect(await store.logs.chunks(tenantId, { eventId, limit: 100 })).toEqual([chunk]);
      expect(await store.logs.chunks(otherTenantId, { eventId, limit: 100 })).toEqual([]);
      // A resend of an archived record is ignored; a record past the chunk is kept.
      await store.logs.append(tenantId, [records[1]!, rec(eventId, 1, 4, 14)]);
      expect(await store.logs.query(tenantId, { eventId, limit: 100 })).toEqual([records[3], rec(eventId, 1, 4, 14)]);
    });

    it('finds the chunks a query may need: by event and attempt, time range and level', async () => {
      const store = await harness.store();
      const { tenantId } = scenario();
      const eventId = randomUUID();
      const early = [rec(eventId, 1, 0, 10, 'a', 'info'), rec(eventId, 1, 1, 11, 'b', 'info')];
      const late = [rec(eventId, 2, 0, 50, 'c', 'error')];
      await store.logs.append(tenantId, [...early, ...late]);
      const [c1, c2] = [chunkOf(tenantId, early), chunkOf(tenantId, late)];
      await store.logs.archive(c2, [0]);
      await store.logs.archive(c1, [0, 1]);
      const names = async (extra: object) => (await store.logs.chunks(tenantId, { limit: 10, ...extra })).map((c) => c.name);
      expect(await names({ eventId })).toEqual([c1.name, c2.name]);
      expect(await names({ eventId, attempt: 2 })).toEqual([c2.name]);
      expect(await names({ eventId, minLevel: 'warning' })).toEqual([c2.name]);
      expect(await names({ eventId, from: new Date(BASE + 12_000) })).toEqual([c2.name]);
      expect(await names({ eventId, to: new Date(BASE + 11_000) })).toEqual([c1.name]);
      expect(await names({ eventId, to: new Date(BASE + 10_000) })).toEqual([]);
    });
  });
}
