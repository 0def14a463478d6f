/**
 * `@nexomatic/client`: the typed client other services use to fire events and read outcomes, and
 * the definitions-in-code helpers (`defineConfig`). Browser-safe: it uses the global `fetch`; Node
 * services may import `createClient` from `@nexomatic/client/node` instead for a keep-alive pool.
 *
 * @packageDocumentation
 */
export { createClient, ClientOptions, type Client, type ApplyOptions } from './client.js';
export type { AdminCalls } from './admin.js';
export { toNexomaticError } from './errors.js';
export {
  defineConfig,
  toDefinitions,
  isTypedEventType,
  type NexomaticConfig,
  type ConfigEventType,
  type PayloadMap,
  type PayloadOf,
} from './config.js';
export { RetryOptions, RETRY_SAFE_MUTATIONS, isTransient } from './retry.js';
export { protocolWebSocket, type FetchLike, type WebSocketFactory } from './transport.js';
export type * from './types.js';
export { defineEventType, defineAction, defineSinkType, defineSchedule, type ScheduleInput } from '@nexomatic/core';
