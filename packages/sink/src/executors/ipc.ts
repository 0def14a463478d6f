/**
 * Messages between the node executor and its runner processes (JSON over the fork IPC channel).
 * Type-only imports: the runner loads it without loading anything else.
 */
import type { EventError, Json, LogLevel } from '@nexomatic/core';

/** Written by the runner to stdout and stderr after a task: everything before it belongs to the task. */
export const END_MARK = '\u001e@nexomatic:end:';

/** Task information a module can read from `ctx.task`. */
export interface ModuleTaskInfo {
  eventId: string;
  attempt: number;
  tenantId: string;
  eventType: string;
  module: string;
  rootEventId: string;
  chainDepth: number;
  /** The W3C `traceparent` of the sink's run span (or the hub's dispatch span), or null when the task is not traced. */
  traceparent: string | null;
  /** The W3C `tracestate` that goes with it, or null. */
  tracestate: string | null;
}

/** Executor -> runner: run one task. */
export interface RunMessage {
  type: 'run';
  id: string;
  file: string;
  task: ModuleTaskInfo;
  payload: Json;
  params: Record<string, Json>;
}

/** Runner -> executor: the runner is ready for tasks. */
export interface ReadyMessage {
  type: 'ready';
}

/** Runner -> executor: a `ctx.log.*` record. */
export interface LogMessage {
  type: 'log';
  id: string;
  level: LogLevel;
  message: string;
  fields?: Record<string, Json>;
  time: string;
}

/** Runner -> executor: the task finished (its output markers were written before this). */
export interface DoneMessage {
  type: 'done';
  id: string;
  result: Json;
  error: EventError | null;
  warnings: string[];
}

/** Runner -> executor: the module called `ctx.secret(key)`; answered by a {@link SecretReplyMessage}. */
export interface SecretRequestMessage {
  type: 'secret';
  /** The task's run id. */
  id: string;
  /** Matches the reply to the request. */
  requestId: number;
  key: string;
}

/** Executor -> runner: the value of a secret, or why it was refused. */
export interface SecretReplyMessage {
  type: 'secret-reply';
  requestId: number;
  value?: string;
  error?: { code: string; message: string };
}

/** A message from the runner. */
export type RunnerMessage = ReadyMessage | LogMessage | DoneMessage | SecretRequestMessage;
