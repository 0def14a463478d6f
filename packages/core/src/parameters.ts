import { z } from 'zod';
import { NexomaticError } from './errors.js';
import { Json, JsonObject, JsonValue } from './names.js';

/**
 * A Parameter injected into a task at run time.
 *
 * - `STATIC`: `value` is the value.
 * - `DATA`: `path` is a dotted path into the payload (`order.id`, `items.0.sku`).
 * - `SECRET`: `key` names a tenant secret; only the reference travels, the sink resolves the value.
 */
export const Parameter = z.discriminatedUnion('type', [
  z.object({ name: z.string().min(1).max(100), type: z.literal('STATIC'), value: JsonValue }),
  z.object({ name: z.string().min(1).max(100), type: z.literal('DATA'), path: z.string().min(1).max(300) }),
  z.object({ name: z.string().min(1).max(100), type: z.literal('SECRET'), key: z.string().min(1).max(200) }),
]);
/** A Parameter. */
export type Parameter = z.infer<typeof Parameter>;

/** A resolved parameter as it travels in a Task Request: a value, or a secret reference. */
export const ResolvedParameter = z.union([
  z.object({ value: JsonValue }),
  z.object({ secret: z.string() }),
]);
/** A resolved parameter. */
export type ResolvedParameter = z.infer<typeof ResolvedParameter>;

/** Reads a dotted path (`a.b.0.c`) from a JSON value; `undefined` when any step is missing. */
export function readPath(root: Json, path: string): Json | undefined {
  let current: Json | undefined = root;
  for (const step of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      const index = Number(step);
      if (!Number.isInteger(index)) return undefined;
      current = current[index];
    } else {
      current = Object.prototype.hasOwnProperty.call(current, step) ? current[step] : undefined;
    }
  }
  return current;
}

/**
 * Merges Parameter lists: later lists win by name. The hub merges Event Type parameters over
 * Action parameters, so an Event Type can specialise a shared Action.
 */
export function mergeParameters(...lists: ReadonlyArray<ReadonlyArray<Parameter>>): Parameter[] {
  const byName = new Map<string, Parameter>();
  for (const list of lists) for (const p of list) byName.set(p.name, p);
  return [...byName.values()];
}

/**
 * Resolves Parameters against a payload: `STATIC` and `DATA` become values, `SECRET` stays a
 * reference. Throws `PARAM_MISSING` naming the parameter and path when a `DATA` path is absent.
 */
export function resolveParameters(
  parameters: ReadonlyArray<Parameter>,
  payload: JsonObject,
): Record<string, ResolvedParameter> {
  const out: Record<string, ResolvedParameter> = {};
  for (const p of parameters) {
    if (p.type === 'STATIC') out[p.name] = { value: p.value };
    else if (p.type === 'SECRET') out[p.name] = { secret: p.key };
    else {
      const value = readPath(payload, p.path);
      if (value === undefined) {
        throw new NexomaticError('PARAM_MISSING', `parameter ${p.name}: payload has no value at ${p.path}`, {
          details: { parameter: p.name, path: p.path },
        });
      }
      out[p.name] = { value };
    }
  }
  return out;
}
