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

/** What an executor calls back while a task runs. */
export interface TaskHooks {
  /** A structured record or a line of raw output, in the order the executor saw them. */
  onLog(log: TaskLog): void;
}

/** Runs modules of one runtime (node, python, powershell) for the sink. */
export interface Executor {
  /** Runs one task attempt; never rejects: every failure is an `ERROR` outcome. */
  run(task: TaskRequest, hooks: TaskHooks): Promise<TaskOutcome>;
  /** Kills every running task at once; each ends `ERROR` with `code`. */
  killAll(code: string, message: string): void;
  /** Stops the executor's processes. */
  close(): Promise<void>;
}

/** An `ERROR` outcome with the given code and message. */
export function errorOutcome(code: string, message: string, warnings: string[] = []): TaskOutcome {
  return { outcome: 'ERROR', result: null, error: { code, message }, warnings };
}
