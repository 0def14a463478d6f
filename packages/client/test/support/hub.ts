/**
 * A real hub for the client's tests: on port 0, its own SQLite file, the code definitions of
 * `fixtures/definitions.ts` applied, an Admin and a Viewer token. The hub's own test helpers are
 * reused (imported relatively: they are not published).
 */
import { randomBytes } from 'node:crypto';
import type { LogRecord } from '@nexomatic/core';
import type { HubOptions } from '@nexomatic/hub';
import { startTestHub, type TestHub } from '../../../hub/test/support/test-hub.js';
import { toDefinitions } from '../../src/index.js';
import config from '../fixtures/definitions.js';

export { waitFor } from '../../../hub/test/support/wait.js';
export { startSinkProcess, MODULES, type SinkProcess } from '../../../hub/test/support/sink-process.js';
export { startTcpProxy } from '../../../hub/test/support/tcp-proxy.js';

/** A test hub with an Admin and a Viewer token. */
export interface ClientTestHub extends TestHub {
  admin: string;
  viewer: string;
  /** The master key (version 1) its secrets are encrypted with. */
  masterKey: string;
}

/** Starts a hub with the fixture definitions (or `definitions`) and two tokens; `options` go to the hub. */
export async function startClientTestHub(definitions = toDefinitions(config), options: Partial<HubOptions> = {}): Promise<ClientTestHub> {
  const masterKey = randomBytes(32).toString('base64');
  const test = await startTestHub({ masterKeys: { 1: masterKey }, ...options }, definitions);
  const admin = (await test.hub.createToken({ role: 'Admin', name: 'client-admin' })).token;
  const viewer = (await test.hub.createToken({ role: 'Viewer', name: 'client-viewer' })).token;
  return Object.assign(test, { admin, viewer, masterKey });
}

/** Every record of a finite log stream (a tail that ends, or a query's pages), in order. */
export async function collect(records: AsyncIterable<LogRecord>): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
}
