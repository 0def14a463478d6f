/**
 * `@nexomatic/hub`: the Nexomatic hub. `createHub()` persists events, dispatches Task Requests to
 * sinks over tRPC WebSockets, stores results and logs, and chains follow-on events.
 *
 * @packageDocumentation
 */
export { createHub, type Hub, type Listening } from './hub.js';
export { HubOptions, type ResolvedHubOptions, type Authenticate } from './options.js';
export { MetricsOptions, type ResolvedMetricsOptions } from './metrics/options.js';
export type { ApplySummary } from './engine/definitions.js';
export type { CreatedToken } from './auth/tokens.js';
export type { SourceView } from './sources/source-service.js';
export type { SourceListing } from './transport/sources-router.js';
export type { RequestHandler } from './transport/http.js';
export type { UpgradeHandler } from './transport/upgrade.js';
export type { AppRouter } from './transport/router.js';
export { fsArchive, FsArchiveOptions } from './logs/fs-archive.js';
export type { LogArchive } from './logs/archive.js';
export { LogsOptions } from './logs/options.js';
export type { HubLogs } from './logs/hub-logs.js';
export type { LogPage, LogQueryInput } from './logs/query.js';
export type { TailRequest } from './logs/service.js';
export type { ArchiveSummary } from './logs/archiver.js';
export type * from './store/port.js';
export { PLATFORM_SCOPE } from './store/port.js';
export { HUB_VERSION } from './version.js';
