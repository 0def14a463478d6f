/**
 * `@nexomatic/sources`: turn the outside world into events. Each source plugs into the hub
 * through a {@link SourceContext}.
 *
 * @packageDocumentation
 */
export type { SourceContext } from '@nexomatic/core';
export { defineSource, type CustomSource, type StopSource } from './custom.js';
export {
  Scheduler,
  SchedulerOptions,
  nextRuns,
  nextRun,
  tickKey,
  fingerprint,
  TICK_JOB,
  TickData,
  MAX_PREVIEW,
  type ContextFor,
  type SchedulesReader,
} from './scheduler/index.js';
export {
  verifyStandardWebhook,
  verifyGithubSignature,
  standardWebhookKey,
  STANDARD_SECRET_PREFIX,
  type SignatureOutcome,
  type StandardWebhookCheck,
  type StandardWebhookHeaders,
  type GithubSignatureCheck,
} from './webhook/signature.js';
export {
  readBody,
  parseJson,
  parseJsonObject,
  decodeUtf8,
  isJsonContentType,
  bodyProblem,
  DEFAULT_MAX_BODY_BYTES,
  type BodyProblem,
} from './webhook/body.js';
export { ReplayCache, sourceIdempotencyKey, type ReplayCacheOptions } from './webhook/replay.js';
export {
  parseEventGridPush,
  fromCloudEvent,
  toJson,
  SUBSCRIPTION_VALIDATION_EVENT,
  type EventGridPush,
  type EventGridSchema,
  type InboundEvent,
} from './eventgrid/parse.js';
export { routeEvent, eventGridPayload, eventGridFireInput } from './eventgrid/mapping.js';
export {
  answerAbuseProtection,
  validationAnswer,
  type AbuseProtectionHeaders,
  type AbuseProtectionOptions,
  type HandshakeAnswer,
} from './eventgrid/handshake.js';
export {
  EventGridPullSource,
  EventGridPullOptions,
  type EventGridPullOptionsInput,
  type NamespaceReceiver,
  type PullOutcome,
} from './eventgrid/pull.js';
