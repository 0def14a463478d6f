import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventRecord } from '@nexomatic/core';
import { apiClient } from './support/raw-sink.js';
import { rawSinkOn, startSecretsHub } from './support/secrets-hub.js';
import { startSinkProcess, type SinkProcess } from './support/sink-process.js';
import type { TestHub } from './support/test-hub.js';

let running: Array<{ close(): Promise<unknown> } | SinkProcess> = [];
afterEach(async () => {
  for (const thing of running.reverse()) await ('stop' in thing ? thing.stop('SIGKILL') : thing.close());
  running = [];
});

async function secretsHub(): Promise<TestHub> {
  const test = await startSecretsHub();
  running.push(test);
  return test;
}

/** Every row of the tables that hold what sinks reported, as one string. */
function everythingStored(test: TestHub): string {
  const db = new Database(join(test.dir, 'hub.db'), { readonly: true });
  try {
    return ['events', 'logs', 'audit'].map((table) => JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all())).join('\n');
  } finally {
    db.close();
  }
}

/** A secret value with characters that mean something in a regular expression and in JSON. */
const newSecretValue = () => `sk-live.${randomUUID()}+(x)"q"`;

describe('a secret never leaves the hub unmasked', () => {
  it('masks a value the module prints, logs, warns, returns and throws, in every API response and stored record', async () => {
    const test = await secretsHub();
    const value = newSecretValue();
    await test.hub.putSecret('API_KEY', value);
    running.push(await startSinkProcess(test.url, test.clientSecret));

    const ok = await test.hub.fire({ eventType: 'leak', payload: {} });
    const thrown = await test.hub.fire({ eventType: 'leak', payload: { throw: true } });
    const succeeded = await test.hub.waitForEvent(ok.id, 20_000);
    const failed = await test.hub.waitForEvent(thrown.id, 20_000);
    expect(succeeded).toMatchObject({ state: 'WARNING', result: { value: '***', fetched: '***', same: true }, warnings: ['warning ***'] });
    expect(failed).toMatchObject({ state: 'ERROR', error: { code: 'LEAK', message: 'failed with ***' }, warnings: ['warning ***'] });
    const page = await test.hub.listEvents({ limit: 100 });
    const followOns = page.items.filter((e) => e.eventType === 'after-leak');
    expect(followOns).toHaveLength(2);
    for (const event of followOns) await test.hub.waitForEvent(event.id, 20_000);

    const api = apiClient(test.url, test.hub.initialAdminToken!);
    const responses: unknown[] = [await api.events.list.query({ limit: 100 }), await api.secrets.list.query(), await api.audit.query.query({ limit: 500 })];
    for (const event of [succeeded, failed, ...followOns] as EventRecord[]) {
      responses.push(await api.events.get.query({ id: event.id }), await api.events.logs.query({ id: event.id }));
    }
    const all = JSON.stringify(responses);
    expect(all).not.toContain(value);
    expect(all).not.toContain(JSON.stringify(value).slice(1, -1));
    const logs = await api.events.logs.query({ id: ok.id });
    const messages = logs.map((record) => record.message);
    expect(messages).toEqual(expect.arrayContaining(['stdout *** and ***', 'stderr ***', '{"printed":"***"}', 'log ***']));
    expect(logs.find((record) => record.message === 'log ***')?.fields).toEqual({ value: '***', '***': 'as a field name', nested: { list: ['***'] } });
    expect(JSON.stringify(followOns.map((e) => e.payload))).toContain('***');

    const stored = everythingStored(test);
    expect(stored).not.toContain(value);
    expect(stored).not.toContain(JSON.stringify(value).slice(1, -1));
  });

  it('gives a module the secrets its merged parameters reference, and refuses the others', async () => {
    const test = await secretsHub();
    await test.hub.putSecret('API_KEY', 'the-api-key');
    await test.hub.putSecret('ACTION_KEY', 'overridden-by-the-event-type');
    await test.hub.putSecret('UNREFERENCED', 'never-given');
    running.push(await startSinkProcess(test.url, test.clientSecret));
    const asks = await test.hub.fireBatch(['API_KEY', 'ACTION_KEY', 'UNREFERENCED'].map((key) => ({ eventType: 'ask', payload: { key } })));
    const [given, overridden, unreferenced] = await Promise.all(asks.map((e) => test.hub.waitForEvent(e.id, 20_000)));
    expect(given).toMatchObject({ state: 'SUCCESS', result: { resolved: true, length: 'the-api-key'.length } });
    for (const refused of [overridden!, unreferenced!]) {
      expect(refused).toMatchObject({ state: 'SUCCESS', result: { resolved: false, code: 'FORBIDDEN', message: expect.stringMatching(/no SECRET parameter/) } });
    }
    expect(JSON.stringify([overridden, unreferenced])).not.toMatch(/overridden-by-the-event-type|never-given/);
  });

  it('masks again in the hub: values it resolved for an attempt are masked in that attempt’s reports', async () => {
    const test = await secretsHub();
    const value = newSecretValue();
    await test.hub.putSecret('API_KEY', value);
    const sink = await rawSinkOn(test);
    running.push(sink);
    const event = await test.hub.fire({ eventType: 'held', payload: {} });
    const task = await sink.task();
    expect(task.parameters.apiKey).toEqual({ secret: 'API_KEY' });
    expect(JSON.stringify(task)).not.toContain(value);
    const resolved = await sink.client.sink.resolveSecret.mutate({ sinkId: sink.sinkId, eventId: event.id, attempt: 1, key: 'API_KEY' });
    expect(resolved).toEqual({ value });
    const at = new Date().toISOString();
    await sink.client.sink.report.mutate({
      sinkId: sink.sinkId,
      reports: [
        { kind: 'log', record: { eventId: event.id, attempt: 1, seq: 0, time: at, stream: 'stdout', level: 'info', message: `raw ${value}`, fields: { value } } },
        {
          kind: 'result',
          eventId: event.id,
          attempt: 1,
          outcome: 'ERROR',
          result: null,
          error: { code: 'RAW', message: `raw ${value}`, details: { value } },
          warnings: [`raw ${value}`],
        },
      ],
    });
    const done = await test.hub.waitForEvent(event.id, 10_000);
    expect(done).toMatchObject({ state: 'ERROR', error: { code: 'RAW', message: 'raw ***', details: { value: '***' } }, warnings: ['raw ***'] });
    const logs = await test.hub.store.logs.query(test.hub.tenantId, { eventId: event.id, limit: 10 });
    // The attempt's error is kept in its log too (issue 8), masked like the rest.
    expect(logs).toMatchObject([{ message: 'raw ***', fields: { value: '***' } }, { level: 'error', message: 'raw ***', fields: { code: 'RAW', attempt: 1 } }]);
    expect(everythingStored(test)).not.toContain(value);
  });
});
