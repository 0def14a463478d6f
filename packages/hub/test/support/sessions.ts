import { randomUUID } from 'node:crypto';
import type { TaskRequest } from '@nexomatic/core';
import { SinkSession } from '../../src/engine/session.js';

/** A Task Request of a new event id, for session-level tests. */
export function testTask(attempt = 1): TaskRequest {
  const eventId = randomUUID();
  return {
    eventId,
    attempt,
    tenantId: 'acme',
    eventType: 'noop',
    module: 'noop',
    payload: {},
    parameters: {},
    rootEventId: eventId,
    chainDepth: 0,
    leaseExpiresAt: new Date().toISOString(),
    timeoutMs: 1000,
  };
}

/** A session of a sink that was never connected, for dispatcher-level tests. */
export function testSession(name: string, sinkType: string, tenantId: string | null = null, concurrency = 2): SinkSession {
  return new SinkSession(
    { sinkType, tenantId },
    { sinkId: randomUUID(), name, version: '1.0.0', runtimes: ['node'], modules: [], concurrency, taskBatches: false },
  );
}
