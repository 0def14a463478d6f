import type { EventError, Json, LogRecord, Outcome, TaskRequest } from '@nexomatic/core';

/** A log record as an executor produces it; the sink adds the event, attempt and sequence number. */
export type TaskLog = Omit<LogRecord, 'eventId' | 'attempt' | 'seq'>;

/** How one task attempt ended, as the sink reports it. */
export interface TaskOutcome {
  outcome: Outcome;
  result: Json;
  error: EventError | null;
  warnings: string[];
}

/** Why a task was stopped: the `reason` an executor expects on an aborted {@link TaskHooks.signal}. */
export interface TaskAbortReason {
  /** The error code the task ends with, e.g. `TIMEOUT` or `CANCELLED`. */
  code: string;
  message: string;
}

/** What an executor calls back while a task runs, and how the sink stops it. */
export interface TaskHooks {
  /** A structured record or a line of raw output, in the order the executor saw them. */
  onLog(log: TaskLog): void;
  /**
   * Aborting it stops the task at once: a queued task never starts, a running one has its process
   * killed (not asked). The task ends `ERROR` with the code and message of the abort reason, a
   * {@link TaskAbortReason} (any other reason ends `CANCELLED`).
   */
  signal?: AbortSignal;
  /**
   * Resolves a secret the module asks for (`ctx.secret(key)`) through the hub; rejects when the hub
   * refuses. Absent: every `ctx.secret` call fails `FORBIDDEN`.
   */
  secret?(key: string): Promise<string>;
}

/** Runs modules of one runtime (node, python, powershell) for the sink. */
export interface Executor {
  /**
   * Runs one task attempt; never rejects: every failure is an `ERROR` outcome. Aborting
   * `hooks.signal` stops it at once (see {@link TaskHooks.signal}).
   */
  run(task: TaskRequest, hooks: TaskHooks): Promise<TaskOutcome>;
  /** Kills every running task at once; each ends `ERROR` with `code`. */
  killAll(code: string, message: string): void;
  /** Stops the executor's processes. */
  close(): Promise<void>;
}

/** The code and message of an aborted signal's reason: a {@link TaskAbortReason}, else `CANCELLED`. */
export function abortReason(signal: AbortSignal): TaskAbortReason {
  const reason = signal.reason as Partial<TaskAbortReason> | undefined;
  if (typeof reason?.code === 'string' && typeof reason.message === 'string') return { code: reason.code, message: reason.message };
  return { code: 'CANCELLED', message: 'the task was cancelled' };
}

/** An `ERROR` outcome with the given code and message. */
export function errorOutcome(code: string, message: string, warnings: string[] = []): TaskOutcome {
  return { outcome: 'ERROR', result: null, error: { code, message }, warnings };
}
