/**
 * What the node runner and the in-process executor share about a module: how its `run` function
 * is found and how log fields become JSON. Type-only imports: the runner process loads this file.
 */
import type { Json, LogLevel, TaskRequest } from '@nexomatic/core';
import type { ModuleTaskInfo } from './ipc.js';

/**
 * What a module gets as its first argument, in a runner process or in the agent's own process
 * (`inProcess`). Module authors type their `run` with it:
 *
 * @example
 * ```ts
 * import type { ModuleContext } from '@nexomatic/sink';
 * export async function run(ctx: ModuleContext, payload: { name: string }, params: { GREETING: string }) {
 *   ctx.log.info('greeting', { name: payload.name });
 *   return { text: `${params.GREETING}, ${payload.name}` };
 * }
 * ```
 */
export interface ModuleContext {
  /** The task being run. */
  readonly task: ModuleTaskInfo;
  /** Structured log records of this task. */
  readonly log: Record<LogLevel, (message: string, fields?: Record<string, unknown>) => void>;
  /** Adds a warning: the task then ends `WARNING` instead of `SUCCESS`. */
  warn(message: string): void;
  /**
   * Resolves a secret of the task's tenant through the hub. Only keys a `SECRET` parameter of the
   * task references are given; any other is refused with an error of code `FORBIDDEN`. The value
   * is masked (`***`) in everything the sink reports for the task.
   */
  secret(key: string): Promise<string>;
  /**
   * The W3C `traceparent` of the task's run span, or null when the task is not traced: start the
   * module's own spans under it (e.g. with `propagation.extract`) to join the event's trace.
   */
  readonly traceparent: string | null;
  /** The W3C `tracestate` that goes with {@link ModuleContext.traceparent}, or null. */
  readonly tracestate: string | null;
}

/** What a module sees of a Task Request as `ctx.task` (the run message's `task`). */
export function moduleTaskInfo(task: TaskRequest): ModuleTaskInfo {
  const { eventId, attempt, tenantId, eventType, module, rootEventId, chainDepth, traceContext } = task;
  return {
    eventId,
    attempt,
    tenantId,
    eventType,
    module,
    rootEventId,
    chainDepth,
    traceparent: traceContext?.traceparent ?? null,
    tracestate: traceContext?.tracestate ?? null,
  };
}

/** A module's entry point: `run(ctx, payload, params)`, sync or async. */
export type RunFunction = (ctx: ModuleContext, payload: Json, params: Record<string, Json>) => unknown;

/** The module's `run`: a named `run` export, a default function, or a default object's `run`. */
export function findRun(module: Record<string, unknown>): RunFunction | undefined {
  const fallback = module.default as Record<string, unknown> | RunFunction | undefined;
  if (typeof module.run === 'function') return module.run as RunFunction;
  if (typeof fallback === 'function') return fallback;
  if (fallback && typeof fallback.run === 'function') return fallback.run as RunFunction;
  return undefined;
}

/** Log fields as JSON (a copy); anything unserialisable becomes `{ unserialisable: String(fields) }`. */
export function toFields(fields: Record<string, unknown> | undefined): Record<string, Json> | undefined {
  if (fields === undefined || fields === null || typeof fields !== 'object') return undefined;
  try {
    return JSON.parse(JSON.stringify(fields)) as Record<string, Json>;
  } catch {
    return { unserialisable: String(fields) };
  }
}
