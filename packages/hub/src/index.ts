/**
 * `@nexomatic/hub`: the Nexomatic hub. `createHub()` persists events, dispatches Task Requests to
 * sinks over tRPC WebSockets, stores results and logs, and chains follow-on events.
 *
 * @packageDocumentation
 */
export { createHub, type Hub, type Listening } from './hub.js';
export { HubOptions, type ResolvedHubOptions, type Authenticate } from './options.js';
export type { ApplySummary } from './engine/definitions.js';
export type { CreatedToken } from './auth/tokens.js';
export type { RequestHandler } from './transport/http.js';
export type { UpgradeHandler } from './transport/upgrade.js';
export type { AppRouter } from './transport/router.js';
export type * from './store/port.js';
export { PLATFORM_SCOPE } from './store/port.js';
export { HUB_VERSION } from './version.js';
