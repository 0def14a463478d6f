import type { TaskKey, TaskRequest } from '@nexomatic/core';
import { abortReason, errorOutcome, type TaskOutcome } from './executors/executor.js';

/** Resolves one secret of a task attempt through the hub (`sink.resolveSecret`). */
export type ResolveSecret = (task: TaskKey, key: string) => Promise<string>;

/** An error with a Nexomatic code, as the module sees a refused `ctx.secret`. */
export class SecretError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'NexomaticError';
  }
}

/** The code and message of a failed resolve: the hub's Nexomatic code (in `data.nexomatic`), else `INTERNAL`. */
export function secretError(key: string, error: unknown): SecretError {
  if (error instanceof SecretError) return error;
  const data = (error as { data?: { nexomatic?: { code?: unknown } } } | null)?.data;
  const code = typeof data?.nexomatic?.code === 'string' ? data.nexomatic.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  return new SecretError(code, `secret ${key} could not be resolved: ${message}`);
}

/** Rejects as soon as `signal` aborts, so a resolve waiting on a lost connection cannot outlive its task. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new SecretError(abortReason(signal).code, abortReason(signal).message));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new SecretError(abortReason(signal).code, abortReason(signal).message));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The secret resolver of one task attempt: asks the hub, hands every value to `onValue` (the
 * task's mask) before anyone sees it, and turns refusals into {@link SecretError}s.
 */
export function taskSecrets(task: TaskKey, resolve: ResolveSecret | undefined, signal: AbortSignal, onValue: (value: string) => void) {
  return async (key: string): Promise<string> => {
    if (!resolve) throw new SecretError('FORBIDDEN', `secret ${key}: this sink cannot resolve secrets`);
    try {
      const value = await untilAborted(resolve(task, key), signal);
      onValue(value);
      return value;
    } catch (error) {
      throw secretError(key, error);
    }
  };
}

/**
 * The task with its `SECRET` parameters (`{ secret: key }`) resolved to values, so a module gets
 * `params.apiKey` as the value; or the `ERROR` outcome of the first refused one (the module does
 * not run then).
 */
export async function withSecretParams(
  task: TaskRequest,
  secret: (key: string) => Promise<string>,
): Promise<{ task: TaskRequest; outcome?: undefined } | { task?: undefined; outcome: TaskOutcome }> {
  const parameters: TaskRequest['parameters'] = {};
  for (const [name, parameter] of Object.entries(task.parameters)) {
    if (!('secret' in parameter)) {
      parameters[name] = parameter;
      continue;
    }
    try {
      parameters[name] = { value: await secret(parameter.secret) };
    } catch (error) {
      const refused = secretError(parameter.secret, error);
      return { outcome: errorOutcome(refused.code, `parameter ${name}: ${refused.message}`) };
    }
  }
  return { task: { ...task, parameters } };
}
