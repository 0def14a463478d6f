import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DefinitionsInput } from '@nexomatic/core';
import { createHub, type Hub, type HubOptions } from '../../src/index.js';
import { testStoreFor } from './test-store.js';

/** A hub on port 0 with its own SQLite file, for one test. */
export interface TestHub {
  hub: Hub;
  url: string;
  dir: string;
  /** A `CLIENT_SECRET` of the Sink Type `TEST:NODE`. */
  clientSecret: string;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Definitions most tests use: a node Sink Type and a few actions over the fixture modules. */
export const testDefinitions: DefinitionsInput = {
  sinkTypes: [{ name: 'TEST:NODE', runtimes: ['node'] }],
  actions: [
    { name: 'echo', module: 'e2e.echo', onSuccess: 'after-echo', onFailure: 'after-failure' },
    { name: 'fail', module: 'e2e.fail', onFailure: 'after-failure' },
    { name: 'gate', module: 'e2e.gate' },
    { name: 'record', module: 'e2e.echo' },
  ],
  eventTypes: [
    { name: 'echo', sinkType: 'TEST:NODE', action: 'echo' },
    { name: 'fail', sinkType: 'TEST:NODE', action: 'fail' },
    { name: 'gate', sinkType: 'TEST:NODE', action: 'gate' },
    { name: 'after-echo', sinkType: 'TEST:NODE', action: 'record' },
    { name: 'after-failure', sinkType: 'TEST:NODE', action: 'record' },
  ],
};

/** Starts a hub on a free port with {@link testDefinitions} applied and a client secret issued. */
export async function startTestHub(options: Partial<HubOptions> = {}, definitions = testDefinitions): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'nexomatic-hub-'));
  // SQLite under `dir`, or MongoDB with NEXOMATIC_TEST_STORE=mongodb (support/test-store.ts).
  const testStore = options.store === undefined ? await testStoreFor(dir) : undefined;
  const hub = await createHub({ dataDir: dir, pollIntervalMs: 200, ...(testStore ? { store: testStore.store } : {}), ...options });
  await hub.apply(definitions);
  const clientSecret = await hub.createClientSecret('TEST:NODE');
  const { url } = await hub.listen(0);
  const close = async () => {
    await hub.close();
    await testStore?.dispose(true);
    rmSync(dir, { recursive: true, force: true });
  };
  return { hub, url, dir, clientSecret, close, [Symbol.asyncDispose]: close };
}
