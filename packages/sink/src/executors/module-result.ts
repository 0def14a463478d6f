import type { EventError } from '@nexomatic/core';

const MAX_CODE = 100;
const MAX_MESSAGE = 10_000;

/**
 * Why a module's return value is not JSON, in words with the path (`result.items[2]: a function`),
 * or null when it is. `undefined` at the top is fine (the result is null); values with `toJSON`
 * (dates) count as what `toJSON` returns.
 */
export function jsonProblem(value: unknown): string | null {
  if (value === undefined) return null;
  const seen = new Set<object>();
  const check = (current: unknown, path: string): string | null => {
    if (current === null || typeof current === 'string' || typeof current === 'boolean') return null;
    if (typeof current === 'number') return Number.isFinite(current) ? null : `${path}: ${current} is not a JSON number`;
    if (typeof current !== 'object') return `${path}: a ${typeof current}`;
    const json = (current as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return check((json as () => unknown).call(current), path);
    if (seen.has(current)) return `${path}: a circular reference`;
    seen.add(current);
    try {
      if (Array.isArray(current)) {
        for (const [i, item] of current.entries()) {
          const problem = check(item, `${path}[${i}]`);
          if (problem) return problem;
        }
        return null;
      }
      const proto = Object.getPrototypeOf(current) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        return `${path}: an instance of ${(current as object).constructor?.name ?? 'a class'}`;
      }
      for (const [key, item] of Object.entries(current)) {
        if (item === undefined) return `${path}.${key}: undefined`;
        const problem = check(item, `${path}.${key}`);
        if (problem) return problem;
      }
      return null;
    } finally {
      seen.delete(current);
    }
  };
  return check(value, 'result');
}

/**
 * The error data of anything a module threw: its string `code` (else `MODULE_ERROR`), message and
 * stack, and `retryable: false` when the error says so (a `NonRetryableError`, or any error with
 * `retryable = false`).
 */
export function toErrorData(thrown: unknown): EventError {
  const error = thrown instanceof Error ? thrown : undefined;
  const rawCode = (thrown as { code?: unknown } | null)?.code;
  const code = typeof rawCode === 'string' && rawCode.length > 0 ? rawCode.slice(0, MAX_CODE) : 'MODULE_ERROR';
  const message = (error ? error.message : String(thrown)).slice(0, MAX_MESSAGE);
  const data: EventError = error?.stack ? { code, message, details: { stack: error.stack.slice(0, MAX_MESSAGE) } } : { code, message };
  if ((thrown as { retryable?: unknown } | null)?.retryable === false) data.retryable = false;
  return data;
}
