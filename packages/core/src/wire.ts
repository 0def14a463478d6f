/**
 * The hub <-> sink wire messages (DESIGN.md section 5). Plain JSON, ISO strings for dates.
 *
 * - The sink subscribes to `sink.tasks` with its {@link SinkRegistration}; the hub answers with
 *   {@link HubMessage}s: Task Requests and control signals. A reconnect re-subscribes, which
 *   re-registers, and the hub re-sends every task the sink still holds.
 * - The sink sends {@link Report}s back in batches (`sink.report`); every report is idempotent.
 * - The sink sends one `sink.heartbeat` per interval, which extends the leases of all its tasks.
 */
import { z } from 'zod';
import { LogRecord } from './log.js';
import { JsonObject, JsonValue } from './names.js';
import { ResolvedParameter } from './parameters.js';
import { ControlSignal, Outcome } from './states.js';
import { EventError } from './event.js';
import { TraceContext } from './trace-context.js';

/** A Task Request: one attempt of one event, sent by the hub to one sink. */
export const TaskRequest = z.object({
  eventId: z.string(),
  attempt: z.number().int().min(1),
  tenantId: z.string(),
  eventType: z.string(),
  module: z.string(),
  payload: JsonObject,
  parameters: z.record(z.string(), ResolvedParameter),
  rootEventId: z.string(),
  chainDepth: z.number().int().min(0),
  leaseExpiresAt: z.string(),
  /** The sink kills the task after this long and reports `ERROR` with code `TIMEOUT`. */
  timeoutMs: z.number().int().min(1).max(7 * 86_400_000),
  /** The W3C trace context of the hub's dispatch span: the sink's run span is its child. */
  traceContext: TraceContext.optional(),
});
/** A Task Request. */
export type TaskRequest = z.infer<typeof TaskRequest>;

/** The most Task Requests in one `tasks` message (a sink's highest `concurrency`). */
export const MAX_TASK_BATCH = 1000;

/** A message from the hub on a sink's subscription. */
export const HubMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('task'), task: TaskRequest }),
  /**
   * Several Task Requests at once, each as a `task` message would carry it: sent only to sinks that
   * registered with `taskBatches: true`.
   */
  z.object({ kind: z.literal('tasks'), tasks: z.array(TaskRequest).min(1).max(MAX_TASK_BATCH) }),
  z.object({ kind: z.literal('control'), signal: ControlSignal }),
  /**
   * Stop one task now: the hub timed it out or it was cancelled. The sink kills it and reports
   * `ERROR` with code = `reason` (the hub has settled the attempt already and ignores it); a later
   * re-send of that attempt is not run.
   */
  z.object({ kind: z.literal('cancel'), eventId: z.string(), attempt: z.number().int().min(1), reason: z.enum(['TIMEOUT', 'CANCELLED']) }),
]);
/** A message from the hub on a sink's subscription. */
export type HubMessage = z.infer<typeof HubMessage>;

/** Identifies one attempt of one event: the key of every report. */
export const TaskKey = z.object({
  eventId: z.string().min(1).max(100),
  attempt: z.number().int().min(1),
});
/** Identifies one attempt of one event. */
export type TaskKey = z.infer<typeof TaskKey>;

/** The module has started the task. */
export const StartedReport = TaskKey.extend({ kind: z.literal('started'), at: z.iso.datetime() });

/** A log record of a running task. */
export const LogReport = z.object({ kind: z.literal('log'), record: LogRecord });

/** The outcome of a task attempt. `result` is the module's return value. */
export const ResultReport = TaskKey.extend({
  kind: z.literal('result'),
  outcome: Outcome,
  result: JsonValue.nullable().default(null),
  error: EventError.nullable().default(null),
  warnings: z.array(z.string().max(10_000)).max(1000).default([]),
});
/** The outcome of a task attempt. */
export type ResultReport = z.output<typeof ResultReport>;

/** A report from a sink. Reports are idempotent on their key, so a sink may resend them. */
export const Report = z.discriminatedUnion('kind', [StartedReport, LogReport, ResultReport]);
/** A report from a sink, as sent. */
export type ReportInput = z.input<typeof Report>;
/** A report from a sink, as parsed. */
export type Report = z.output<typeof Report>;

/** The most reports in one batch. */
export const MAX_REPORT_BATCH = 500;

/** One batch of reports (`sink.report`) from the sink `sinkId`. */
export const ReportBatch = z.object({ sinkId: z.uuid(), reports: z.array(Report).min(1).max(MAX_REPORT_BATCH) });

/** A sink's heartbeat: extends the leases of all its running tasks. */
export const Heartbeat = z.object({ sinkId: z.uuid() });

/** What the hub tells a sink about the connection, on request (`sink.hello`). */
export interface HubHello {
  hubVersion: string;
  /** How often the sink should send a heartbeat. */
  heartbeatIntervalMs: number;
  /** How long a lease lasts without a heartbeat. */
  leaseMs: number;
  /** The sink version its Sink Type asks for (`sinkVersion`), or null. */
  desiredVersion: string | null;
}

/** The credential headers a sink sends with its WebSocket upgrade. */
export const CREDENTIAL_HEADERS = {
  clientId: 'x-nexomatic-client-id',
  clientSecret: 'x-nexomatic-client-secret',
  tenantUuid: 'x-nexomatic-tenant-uuid',
  tenantSecret: 'x-nexomatic-tenant-secret',
} as const;

/**
 * The WebSocket subprotocols of an API caller that cannot send an `Authorization` header on the
 * upgrade (a browser): it offers `protocol` and `bearerPrefix` + the token in base64url; the hub
 * admits it by that token and answers with `protocol`, never with the entry holding the token.
 */
export const API_WS_PROTOCOL = { protocol: 'nexomatic', bearerPrefix: 'nexomatic.bearer.' } as const;

/** The subprotocols to open the hub's WebSocket with, carrying an API token (see {@link API_WS_PROTOCOL}). */
export function bearerProtocols(token: string): [string, string] {
  let binary = '';
  for (const byte of new TextEncoder().encode(token)) binary += String.fromCharCode(byte);
  const encoded = btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return [API_WS_PROTOCOL.protocol, `${API_WS_PROTOCOL.bearerPrefix}${encoded}`];
}
