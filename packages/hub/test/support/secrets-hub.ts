import { randomBytes } from 'node:crypto';
import type { DefinitionsInput } from '@nexomatic/core';
import { startTestHub, testDefinitions, type TestHub } from './test-hub.js';
import { rawSink, type RawSink } from './raw-sink.js';

/** A new random master key (32 bytes, base64). */
export const newMasterKey = (): string => randomBytes(32).toString('base64');

/**
 * Definitions for the secrets tests. `leak` and `held` reference `API_KEY` as `apiKey`; `held`
 * also references `B_ONLY`. `ask`'s Action references `ACTION_KEY` as `apiKey`, which its Event
 * Type overrides with `API_KEY`.
 */
export const secretDefinitions: DefinitionsInput = {
  ...testDefinitions,
  actions: [
    ...(testDefinitions.actions ?? []),
    { name: 'leak', module: 'e2e.leak', onSuccess: 'after-leak', onFailure: 'after-leak', parameters: [{ name: 'apiKey', type: 'SECRET', key: 'API_KEY' }] },
    { name: 'ask', module: 'e2e.ask', parameters: [{ name: 'apiKey', type: 'SECRET', key: 'ACTION_KEY' }] },
    {
      name: 'held',
      module: 'e2e.echo',
      parameters: [
        { name: 'apiKey', type: 'SECRET', key: 'API_KEY' },
        { name: 'other', type: 'SECRET', key: 'B_ONLY' },
      ],
    },
  ],
  eventTypes: [
    ...(testDefinitions.eventTypes ?? []),
    { name: 'leak', sinkType: 'TEST:NODE', action: 'leak' },
    { name: 'after-leak', sinkType: 'TEST:NODE', action: 'record' },
    { name: 'ask', sinkType: 'TEST:NODE', action: 'ask', parameters: [{ name: 'apiKey', type: 'SECRET', key: 'API_KEY' }] },
    { name: 'held', sinkType: 'TEST:NODE', action: 'held' },
  ],
};

/** A test hub with a master key and {@link secretDefinitions}. */
export function startSecretsHub(masterKeys: Record<string, string> = { 1: newMasterKey() }, dataDir?: string): Promise<TestHub> {
  return startTestHub({ masterKeys, ...(dataDir ? { dataDir } : {}) }, secretDefinitions);
}

/** A raw sink on a test hub, registered. */
export function rawSinkOn(test: TestHub): Promise<RawSink> {
  return rawSink(test.url, test.clientSecret, async (sinkId) => (await test.hub.store.sinks.get(sinkId))?.status === 'ONLINE');
}
