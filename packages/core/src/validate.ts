import type { z } from 'zod';
import { NexomaticError } from './errors.js';

/** Formats a zod issue path as `eventTypes[0].sinkType`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Turns zod issues into one readable line per issue: `field: problem`. */
export function formatIssues(issues: ReadonlyArray<z.core.$ZodIssue>, prefix = ''): string {
  return issues
    .map((issue) => {
      const path = formatPath([...(prefix ? [prefix] : []), ...issue.path]);
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * Parses `value` with `schema`, or throws a `VALIDATION` {@link NexomaticError} whose message names
 * every failing field (prefixed by `what`, e.g. `hub options`).
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => formatPath(issue.path)).filter(Boolean);
  throw new NexomaticError('VALIDATION', `invalid ${what}: ${formatIssues(result.error.issues)}`, {
    cause: result.error,
    details: { fields },
  });
}
