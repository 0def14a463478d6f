/** The {@link Sink}'s public types: its status, close options, close reason and events. */
import type { ControlSignal, HubHello, NexomaticError, ReportedSinkStatus, TaskRequest } from '@nexomatic/core';
import type { ResultReportInput } from './tasks.js';

/**
 * What the agent is doing: `CONNECTING` until the hub first accepts its subscription, `ONLINE`,
 * `OFFLINE` while reconnecting, `RESETTING` during a `RESET`, `KILLING` / `FORCE_KILLING` while
 * shutting down, then `CLOSED`.
 */
export type SinkAgentStatus = 'CONNECTING' | 'ONLINE' | 'OFFLINE' | 'RESETTING' | 'KILLING' | 'FORCE_KILLING' | 'CLOSED';

/** How to close a sink: `force` kills running tasks at once (`FORCE_KILL`) instead of waiting for them. */
export interface CloseOptions {
  force?: boolean;
}

/** Why a sink closed: the control signal that closed it, or the error that stopped it. */
export interface SinkClosed {
  signal?: ControlSignal;
  error?: NexomaticError;
}

/** Events a {@link Sink} emits, for embedding apps and tests. */
export interface SinkEvents {
  status: [status: SinkAgentStatus];
  /** The hub accepted the subscription (first connect and every reconnect). */
  online: [];
  /** A task attempt starts running. */
  task: [task: TaskRequest];
  /** A task attempt finished; its result report is queued. */
  result: [report: ResultReportInput];
  control: [signal: ControlSignal];
  /** The hub answered `sink.hello` (after every (re)subscribe): heartbeat interval, desired version. */
  hello: [hello: HubHello];
}

/** How the sink shuts down, and why. */
export interface Shutdown {
  force: boolean;
  signal?: ControlSignal;
  error?: NexomaticError;
}

/** The statuses the hub is told of (`sink.status`). */
export function isReported(status: SinkAgentStatus): status is ReportedSinkStatus {
  return status === 'ONLINE' || status === 'RESETTING' || status === 'KILLING' || status === 'FORCE_KILLING';
}
