/**
 * `DefinitionService.diff` and `apply(..., { prune })` on a real SQLite store: field-level changes,
 * a Source's hub-made token ignored, removal only with prune (audited, told to the listeners), and a
 * Sink Type other tenants use kept.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { silentLogger, type DefinitionKind, type DefinitionsInput } from '@nexomatic/core';
import { AuditLog } from '../src/engine/audit.js';
import { DefinitionService } from '../src/engine/definitions.js';
import { describeFieldChange } from '../src/engine/definitions-diff.js';
import { sqliteStore } from '../src/store/sqlite/index.js';
import type { HubStore } from '../src/store/port.js';

const A = randomUUID();
const B = randomUUID();

const base: DefinitionsInput = {
  sinkTypes: [{ name: 'DIFF:NODE' }, { name: 'DIFF:SHARED' }],
  actions: [{ name: 'work', module: 'diff.work' }],
  eventTypes: [
    { name: 'kept', sinkType: 'DIFF:NODE', action: 'work' },
    { name: 'dropped', sinkType: 'DIFF:NODE', action: 'work' },
  ],
  sources: [{ name: 'hook', type: 'webhook', eventTypes: ['kept'] }],
  schedules: [{ name: 'nightly', eventType: 'dropped', cron: '0 3 * * *' }],
};

let store: HubStore;
let service: DefinitionService;
let told: Array<[string, DefinitionKind, string]>;

beforeEach(async () => {
  store = await sqliteStore({ path: ':memory:' });
  for (const id of [A, B]) await store.identities.createTenant({ id, name: id, enforceNodeAuth: false, createdAt: new Date().toISOString() });
  service = new DefinitionService(store, new AuditLog(store, silentLogger));
  told = [];
  service.onChange((tenantId, kind, name) => told.push([tenantId, kind, name]));
});
afterEach(async () => {
  await store.close();
});

describe('DefinitionService.diff', () => {
  it('lists what would be created, then nothing once applied; a Source’s hub-made token is not a change', async () => {
    const before = await service.diff(A, base);
    expect(before.changed).toBe(true);
    expect(before.kinds.eventType.created).toEqual(['kept', 'dropped']);
    expect(before.kinds.source.created).toEqual(['hook']);
    expect(await store.definitions.list(A, 'eventType')).toEqual([]);

    await service.apply(A, base);
    const stored = await store.definitions.get(A, 'source', 'hook');
    expect(stored?.token).toMatch(/.{16,}/);
    const after = await service.diff(A, base);
    expect(after.changed).toBe(false);
    expect(after.kinds.source.unchanged).toEqual(['hook']);
    expect(after.kinds.eventType.unchanged).toEqual(['kept', 'dropped']);
  });

  it('names every changed field, deepest first, in words', async () => {
    await service.apply(A, base);
    const changed: DefinitionsInput = {
      ...base,
      actions: [{ name: 'work', module: 'diff.work2', parameters: [{ name: 'region', type: 'STATIC', value: 'eu' }] }],
      eventTypes: [{ name: 'kept', sinkType: 'DIFF:NODE', action: 'work', timeoutMs: 30_000, retry: { maxAttempts: 5 } }, base.eventTypes![1]!],
    };
    const diff = await service.diff(A, changed);
    const kept = diff.kinds.eventType.updated.find((u) => u.name === 'kept')!;
    expect(kept.changes.map(describeFieldChange)).toEqual(expect.arrayContaining(['timeoutMs: 600000 -> 30000', 'retry.maxAttempts: 1 -> 5']));
    const work = diff.kinds.action.updated[0]!;
    expect(work.name).toBe('work');
    expect(work.changes).toContainEqual({ field: 'module', from: 'diff.work', to: 'diff.work2' });
    expect(work.changes.find((c) => c.field === 'parameters')).toMatchObject({ from: [], to: [{ name: 'region' }] });
    expect(diff.kinds.eventType.unchanged).toEqual(['dropped']);
  });

  it('removes what the input leaves out only with prune: audited and told to the listeners', async () => {
    await service.apply(A, base);
    told = [];
    const smaller: DefinitionsInput = { ...base, eventTypes: [base.eventTypes![0]!], schedules: [] };

    const plain = await service.diff(A, smaller);
    expect(plain.kinds.eventType).toMatchObject({ removed: [], extra: ['dropped'] });
    expect(plain.kinds.schedule.extra).toEqual(['nightly']);
    expect(plain.changed).toBe(false);
    expect(await service.apply(A, smaller)).toMatchObject({ removed: [] });
    expect(await store.definitions.get(A, 'eventType', 'dropped')).not.toBeNull();

    const pruning = await service.diff(A, smaller, { prune: true });
    expect(pruning.kinds.eventType.removed).toEqual(['dropped']);
    expect(pruning.kinds.schedule.removed).toEqual(['nightly']);
    expect(pruning.changed).toBe(true);
    const summary = await service.apply(A, smaller, 'token:ci', { prune: true });
    expect(summary.removed).toEqual(['schedule:nightly', 'eventType:dropped']);
    expect(await store.definitions.get(A, 'eventType', 'dropped')).toBeNull();
    expect(await store.definitions.get(A, 'schedule', 'nightly')).toBeNull();
    expect(told).toEqual([
      [A, 'schedule', 'nightly'],
      [A, 'eventType', 'dropped'],
    ]);
    const audit = await store.audit.query(A, { limit: 50 });
    expect(audit.items.filter((r) => r.action === 'remove').map((r) => [r.actor, r.name])).toEqual(
      expect.arrayContaining([
        ['token:ci', 'schedule:nightly'],
        ['token:ci', 'eventType:dropped'],
      ]),
    );
    expect((await service.diff(A, smaller, { prune: true })).changed).toBe(false);
  });

  it('with prune, every reference must resolve within the input', async () => {
    await service.apply(A, base);
    const dangling: DefinitionsInput = { sinkTypes: base.sinkTypes, eventTypes: [{ name: 'kept', sinkType: 'DIFF:NODE', action: 'work' }] };
    await expect(service.diff(A, dangling)).resolves.toMatchObject({ changed: false });
    await expect(service.apply(A, dangling, 'hub', { prune: true })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('eventTypes[0].action: no Action named "work"'),
    });
    expect(await store.definitions.get(A, 'action', 'work')).not.toBeNull();
  });

  it('keeps a Sink Type that another tenant’s Event Types use, and says why', async () => {
    await service.apply(A, base);
    await service.apply(B, { eventTypes: [{ name: 'b-type', sinkType: 'DIFF:SHARED', action: 'b-work' }], actions: [{ name: 'b-work', module: 'b.work' }] });
    const withoutShared: DefinitionsInput = { ...base, sinkTypes: [{ name: 'DIFF:NODE' }] };
    const diff = await service.diff(A, withoutShared, { prune: true });
    expect(diff.kinds.sinkType.removed).toEqual([]);
    expect(diff.kept).toEqual([{ kind: 'sinkType', name: 'DIFF:SHARED', reason: expect.stringContaining('other tenants') }]);
    await service.apply(A, withoutShared, 'hub', { prune: true });
    expect(await store.definitions.get('', 'sinkType', 'DIFF:SHARED')).not.toBeNull();
  });
});
