/**
 * The MongoDB store's other pure parts, checked without a server: documents, indexes against the
 * queries that use them, the outbox's recovery decisions, topology detection, errors, log queries,
 * the change-stream pipeline and option validation.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import type { LogRecord } from '@nexomatic/core';
import { mongoStore } from '@nexomatic/hub/mongo';
import { scenario } from '../src/store/contract/fixtures.js';
import { claimFilter } from '../src/store/mongo/claim-query.js';
import { isDuplicateKey, storeError, topologyOf } from '../src/store/mongo/connection.js';
import { RECOUNT_HINTS, recountPipeline } from '../src/store/mongo/counters.js';
import { definitionWrite, sourceTokenFilter } from '../src/store/mongo/definitions.js';
import { EPOCH, eventFromDoc, newEventDoc } from '../src/store/mongo/documents.js';
import { idempotencyFilter, insertRuns, insertedBefore } from '../src/store/mongo/event-insert.js';
import { decodeCursor, encodeCursor, expiredLeaseFilter, heldFilter, overdueFilter } from '../src/store/mongo/event-queries.js';
import { INDEXES } from '../src/store/mongo/indexes.js';
import { caseInsensitivePattern, chunksQuery, dropArchived, logDoc, logFromDoc, logQuery, archivablePipeline } from '../src/store/mongo/log-queries.js';
import { outboxKey, recoveryStep } from '../src/store/mongo/outbox.js';
import { visibleSinksFilter } from '../src/store/mongo/sinks.js';
import { queuedChangesPipeline } from '../src/store/mongo/watch.js';
import { aggregate, find, matches } from './support/mongo-matcher.js';

type Doc = Record<string, unknown>;
const NOW = new Date(Date.UTC(2030, 0, 2));

describe('mongo store: documents', () => {
  it('round-trips an event, free-form JSON as text so any key survives', () => {
    const s = scenario();
    const event = s.event({
      payload: { 'a.b': 1, $where: 'x', nested: { $gt: [1, 2.5, null] }, big: 2 ** 40 },
      idempotencyKey: 'k',
      notBefore: NOW,
      traceContext: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    const doc = newEventDoc(event);
    expect(doc).toMatchObject({ _id: event.id, state: 'QUEUED', attempt: 0, claimableAt: NOW, notBefore: NOW, idempotencyKey: 'k' });
    expect(typeof doc.payload).toBe('string');
    const record = eventFromDoc(doc);
    expect(record.payload).toEqual(event.payload);
    expect(record.traceContext).toEqual(event.traceContext);
    expect(record).toMatchObject({ idempotencyKey: 'k', notBefore: NOW.toISOString(), createdAt: event.createdAt.toISOString() });
    const plain = newEventDoc(s.event());
    expect(plain.claimableAt).toEqual(EPOCH);
    expect('idempotencyKey' in plain).toBe(false);
    expect(eventFromDoc(plain)).not.toHaveProperty('traceContext');
    const failed = newEventDoc(s.event({ failed: { code: 'X', message: 'x' } }));
    expect(failed).toMatchObject({ state: 'ERROR', finishedAt: failed.createdAt });
    expect(() => newEventDoc(s.event({ timeoutMs: 0 }))).toThrow(/timeoutMs/);
    expect(() => newEventDoc(s.event({ createdAt: new Date(Number.NaN) }))).toThrow(/createdAt/);
  });

  it('pages with an opaque cursor and names the field of a bad one', () => {
    const doc = newEventDoc(scenario().event());
    expect(decodeCursor(encodeCursor(doc.seq)).equals(doc.seq)).toBe(true);
    expect(() => decodeCursor('not-a-cursor')).toThrow(expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('cursor') }));
    expect(() => decodeCursor(encodeCursor(doc.seq), 'audit', 'audit query')).toThrow(/audit query: cursor/);
  });
});

describe('mongo store: inserts', () => {
  it('batches consecutive events without a key, and takes each keyed event alone, in order', () => {
    const s = scenario();
    const docs = [s.event(), s.event(), s.event({ idempotencyKey: 'k1' }), s.event({ idempotencyKey: 'k2' }), s.event(), s.event()].map((e) => newEventDoc(e));
    expect(insertRuns(docs).map((run) => run.map((doc) => docs.indexOf(doc)))).toEqual([[0, 1], [2], [3], [4, 5]]);
    expect(insertRuns([])).toEqual([]);
  });

  it('reads how many documents an ordered insertMany wrote before it failed', () => {
    expect(insertedBefore(Object.assign(new Error('E11000'), { insertedCount: 3 }))).toBe(3);
    expect(insertedBefore({ result: { insertedCount: 2 } })).toBe(2);
    expect(insertedBefore(new Error('network'))).toBe(0);
    expect(insertedBefore(null)).toBe(0);
  });
});

describe('mongo store: indexes', () => {
  const byName = (name: string) => INDEXES.find((index) => index.options.name === name)!;

  it('names every index once and states each partial filter literally in the query that needs it', () => {
    const names = INDEXES.map((index) => `${index.collection}.${index.options.name}`);
    expect(new Set(names).size).toBe(names.length);
    const uses: Array<[string, Doc]> = [
      ['events_held', heldFilter('s') as Doc],
      ['events_lease', expiredLeaseFilter(NOW) as Doc],
      ['events_deadline', overdueFilter(NOW) as Doc],
      ['events_idempotency', idempotencyFilter('t', 'k') as Doc],
      ['definitions_source_token', sourceTokenFilter('tok') as Doc],
      ['events_claim_group', claimFilter(scenario().claim({ tenantId: 't', eventType: 'e' })) as Doc],
    ];
    for (const [name, filter] of uses) {
      const partial = byName(name).options.partialFilterExpression as Doc;
      for (const [field, condition] of Object.entries(partial)) {
        const stated = filter[field];
        if (typeof condition === 'object') expect(stated, `${name}.${field}`).toMatchObject(condition as Doc);
        else expect(stated, `${name}.${field}`).toBe(condition);
      }
    }
    expect(byName('events_idempotency').options.unique).toBe(true);
    expect(byName('definitions_source_token').options.unique).toBe(true);
    expect(byName('users_tenant_name').options.unique).toBe(true);
  });

  it('recounts each state on the partial index of that state', () => {
    for (const [state, name] of Object.entries(RECOUNT_HINTS)) {
      expect(byName(name).options.partialFilterExpression).toEqual({ state });
      expect(recountPipeline(state as keyof typeof RECOUNT_HINTS)[0]).toEqual({ $match: { state } });
    }
  });

  it('are all listed in the production guide', () => {
    const guide = readFileSync(fileURLToPath(new URL('../../../docs/mongodb.md', import.meta.url)), 'utf8');
    for (const index of INDEXES) expect(guide, index.options.name).toContain(`| \`${index.options.name}\` |`);
  });

  it('finds the holder of an idempotency key and a Source by token, and nothing else', () => {
    const s = scenario();
    const keyed = newEventDoc(s.event({ idempotencyKey: 'order-7' })) as unknown as Doc;
    const other = newEventDoc(s.event({ idempotencyKey: 'order-8' })) as unknown as Doc;
    const none = newEventDoc(s.event()) as unknown as Doc;
    expect(find([keyed, other, none], idempotencyFilter(s.tenantId, 'order-7') as Doc)).toEqual([keyed]);
    expect(find([keyed], idempotencyFilter(s.otherTenantId, 'order-7') as Doc)).toEqual([]);
    const source = { _id: 'x', kind: 'source', sourceToken: 'tok-1', scope: 't' };
    expect(matches(source, sourceTokenFilter('tok-1') as Doc)).toBe(true);
    expect(matches({ ...source, kind: 'eventType' }, sourceTokenFilter('tok-1') as Doc)).toBe(false);
    expect(matches(source, sourceTokenFilter('tok-2') as Doc)).toBe(false);
  });
});

describe('mongo store: definitions and sinks', () => {
  it('keeps a Source’s token in sourceToken and clears it for other kinds', () => {
    const at = new Date(NOW);
    const source = definitionWrite('t', 'source', { name: 'hook', type: 'webhook', eventType: 'e', token: 'x'.repeat(20) } as never, at);
    expect(source.update).toEqual({
      $set: { scope: 't', kind: 'source', name: 'hook', spec: source.text, updatedAt: at, sourceToken: 'x'.repeat(20) },
      $setOnInsert: { createdAt: at },
    });
    const action = definitionWrite('t', 'action', { name: 'a', module: 'm' } as never, at);
    expect(action.update).toMatchObject({ $unset: { sourceToken: '' } });
    // Keys sorted: the same spec in another key order has the same text.
    expect(definitionWrite('t', 'action', { module: 'm', name: 'a' } as never, at).text).toBe(action.text);
  });

  it('lists the sinks pinned to a tenant or serving every tenant', () => {
    const filter = visibleSinksFilter('t1') as Doc;
    expect(filter).toEqual({ tenantId: { $in: ['t1', null] } });
    expect(matches({ tenantId: 't1' }, filter)).toBe(true);
    expect(matches({ tenantId: null }, filter)).toBe(true);
    expect(matches({ tenantId: 't2' }, filter)).toBe(false);
  });
});

describe('mongo store: completion outbox', () => {
  it('finishes, applies or discards an entry by the event’s state', () => {
    const entry = { _id: outboxKey('e1', 2), token: 'tok', attempt: 2 };
    expect(entry._id).toBe('e1:2');
    expect(recoveryStep(entry, null)).toBe('discard');
    expect(recoveryStep(entry, { state: 'SUCCESS', attempt: 2, completedBy: 'tok' })).toBe('finish');
    expect(recoveryStep(entry, { state: 'RUNNING', attempt: 2 })).toBe('apply');
    // Finished by another completion, or a later attempt runs: this entry is stale.
    expect(recoveryStep(entry, { state: 'SUCCESS', attempt: 2, completedBy: 'other' })).toBe('discard');
    expect(recoveryStep(entry, { state: 'RUNNING', attempt: 3 })).toBe('discard');
    expect(recoveryStep(entry, { state: 'QUEUED', attempt: 2 })).toBe('discard');
  });
});

describe('mongo store: topology and errors', () => {
  it('reads the topology from a hello reply', () => {
    expect(topologyOf({ isWritablePrimary: true, maxWireVersion: 21 })).toBe('standalone');
    expect(topologyOf({ isWritablePrimary: true, setName: 'rs0', hosts: ['h:27017'] })).toBe('replicaSet');
    expect(topologyOf({ isWritablePrimary: true, msg: 'isdbgrid' })).toBe('sharded');
  });

  it('maps duplicate keys to CONFLICT, by index when asked', () => {
    const dup = Object.assign(new Error('E11000 duplicate key error collection: db.nexomatic_events index: events_idempotency dup key: { }'), { code: 11000 });
    expect(isDuplicateKey(dup)).toBe(true);
    expect(isDuplicateKey(dup, 'events_idempotency')).toBe(true);
    expect(isDuplicateKey(dup, '_id_')).toBe(false);
    expect(storeError(dup).code).toBe('CONFLICT');
    expect(storeError(new Error('socket closed')).code).toBe('INTERNAL');
  });
});

describe('mongo store: logs', () => {
  const record = (attempt: number, seq: number, message: string, time = NOW): LogRecord => ({
    eventId: 'e1', attempt, seq, time: time.toISOString(), stream: 'log', level: seq % 2 === 0 ? 'info' : 'error', message,
  });

  it('matches text as a substring, ASCII case ignored, no wildcards', () => {
    const pattern = new RegExp(caseInsensitivePattern('Disk.FULL*'));
    expect(pattern.test('oh: disk.full* now')).toBe(true);
    expect(pattern.test('oh: diskXfull now')).toBe(false);
    expect(new RegExp(caseInsensitivePattern('(a|b)[c]')).test('x(A|B)[C]y')).toBe(true);
  });

  it('filters by level and pages after a position in (attempt, seq) order', () => {
    const docs = [record(1, 0, 'a'), record(1, 1, 'b'), record(1, 2, 'c'), record(2, 0, 'd'), record(2, 1, 'e')].map((r) => logDoc('t', r) as unknown as Doc);
    const page = (query: Parameters<typeof logQuery>[1]) => {
      const { filter, sort, limit } = logQuery('t', query);
      return find(docs, filter as Doc, { sort: sort as Record<string, 1 | -1>, limit }).map((d) => d.message);
    };
    expect(page({ eventId: 'e1', limit: 10 })).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(page({ eventId: 'e1', after: { eventId: 'e1', attempt: 1, seq: 1, time: NOW.toISOString() }, limit: 10 })).toEqual(['c', 'd', 'e']);
    expect(page({ eventId: 'e1', minLevel: 'warning', limit: 10 })).toEqual(['b', 'e']);
    expect(page({ eventId: 'e1', attempt: 2, limit: 1 })).toEqual(['d']);
    expect(page({ text: 'C', limit: 10 })).toEqual(['c']);
    expect(logFromDoc(logDoc('t', { ...record(1, 0, 'x'), fields: { n: 1 } }))).toEqual({ ...record(1, 0, 'x'), fields: { n: 1 } });
  });

  it('pages a tenant’s records in (time, eventId, attempt, seq) order', () => {
    const t = (s: number) => new Date(NOW.getTime() + s * 1000);
    const records: LogRecord[] = [
      { ...record(1, 0, 'a', t(1)), eventId: 'e2' },
      { ...record(1, 0, 'b', t(1)), eventId: 'e1' },
      { ...record(1, 1, 'c', t(1)), eventId: 'e1' },
      { ...record(1, 0, 'd', t(2)), eventId: 'e0' },
    ];
    const docs = records.map((r) => logDoc('t', r) as unknown as Doc);
    const { filter, sort } = logQuery('t', { limit: 10, after: { eventId: 'e1', attempt: 1, seq: 0, time: t(1).toISOString() } });
    expect(find(docs, filter as Doc, { sort: sort as Record<string, 1 | -1> }).map((d) => d.message)).toEqual(['c', 'a', 'd']);
    const archivable = aggregate(docs, archivablePipeline(t(2), 10));
    expect(archivable).toEqual([
      { tenantId: 't', eventId: 'e1', attempt: 1 },
      { tenantId: 't', eventId: 'e2', attempt: 1 },
    ]);
  });

  it('drops records inside an archived chunk and selects the chunks a query needs', () => {
    const records = [record(1, 0, 'a'), record(1, 5, 'b'), record(1, 9, 'c'), record(2, 5, 'd')];
    expect(dropArchived(records, [{ eventId: 'e1', attempt: 1, minSeq: 3, maxSeq: 9 }]).map((r) => r.message)).toEqual(['a', 'd']);
    const chunk = (name: string, first: number, last: number, levels: string[]) => ({ _id: name, tenantId: 't', eventId: 'e1', attempt: 1, minSeq: first, maxSeq: last, firstTime: new Date(NOW.getTime() + first), lastTime: new Date(NOW.getTime() + last), levels });
    const chunks = [chunk('c1', 0, 10, ['info']), chunk('c2', 11, 20, ['info', 'error']), chunk('c3', 21, 30, ['debug'])];
    const { filter, sort } = chunksQuery('t', { eventId: 'e1', minLevel: 'warning', from: new Date(NOW.getTime() + 5), limit: 10 });
    expect(find(chunks, filter as Doc, { sort: sort as Record<string, 1 | -1> }).map((c) => c._id)).toEqual(['c2']);
    const window = chunksQuery('t', { from: new Date(NOW.getTime() + 15), to: new Date(NOW.getTime() + 25), limit: 10 });
    expect(find(chunks, window.filter as Doc, { sort: window.sort as Record<string, 1 | -1> }).map((c) => c._id)).toEqual(['c2', 'c3']);
  });
});

describe('mongo store: change stream', () => {
  it('reports inserted and released QUEUED events, nothing else', () => {
    const [match] = queuedChangesPipeline();
    const passes = (change: Doc) => matches(change, (match as { $match: Doc }).$match);
    expect(passes({ operationType: 'insert', fullDocument: { state: 'QUEUED' } })).toBe(true);
    expect(passes({ operationType: 'insert', fullDocument: { state: 'ERROR' } })).toBe(false);
    expect(passes({ operationType: 'update', updateDescription: { updatedFields: { state: 'QUEUED', sinkId: null } } })).toBe(true);
    expect(passes({ operationType: 'update', updateDescription: { updatedFields: { leaseExpiresAt: NOW } } })).toBe(false);
    expect(passes({ operationType: 'update', updateDescription: { updatedFields: { state: 'RUNNING' } } })).toBe(false);
  });
});

describe('mongo store: options', () => {
  it('refuses a bad connection or option, naming the field, before any network call', async () => {
    await expect(mongoStore({ url: '' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('url') });
    await expect(mongoStore({ db: {} as never })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('db') });
    const client = new MongoClient('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100');
    await expect(mongoStore({ db: client.db('x') }, { collectionPrefix: 'bad prefix' })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('collectionPrefix'),
    });
    await expect(mongoStore({ db: client.db('x') }, { nope: 1 } as never)).rejects.toMatchObject({ code: 'VALIDATION' });
    await client.close();
  });
});

/** Every package a source file reaches through its static and dynamic imports, following relative ones. */
function packagesReached(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:^|\s)(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const specifier = match[1] ?? match[2]!;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return packages;
}

describe('mongo store: its own subpath', () => {
  const src = (file: string) => fileURLToPath(new URL(`../src/${file}`, import.meta.url));

  it('is the only entry that imports the mongodb driver', () => {
    for (const entry of ['index.ts', 'sqlite.ts', 'testing.ts']) {
      const reached = packagesReached(src(entry));
      expect(reached.has('mongodb'), entry).toBe(false);
      expect(reached.has('@agendajs/mongo-backend'), entry).toBe(false);
    }
    const mongo = packagesReached(src('mongo.ts'));
    expect(mongo.has('mongodb')).toBe(true);
    expect(mongo.has('@agendajs/mongo-backend')).toBe(true);
  });
});
