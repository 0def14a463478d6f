import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TaskRequest } from '@nexomatic/core';

/** The module root of the test fixtures. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/modules', import.meta.url));

/** A Task Request for `module` with sensible defaults. */
export function makeTask(module: string, overrides: Partial<TaskRequest> = {}): TaskRequest {
  const eventId = overrides.eventId ?? randomUUID();
  return {
    eventId,
    attempt: 1,
    tenantId: 'tenant-1',
    eventType: 'orders.placed',
    module,
    payload: {},
    parameters: {},
    rootEventId: eventId,
    chainDepth: 0,
    leaseExpiresAt: new Date(Date.now() + 60_000).toISOString(),
    timeoutMs: 60_000,
    ...overrides,
  };
}

/** Polls `predicate` until it holds, or fails after `timeoutMs` naming `what`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
