import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay, isRetryable, RetryPolicy } from '../src/index.js';

describe('retry policy', () => {
  const backoff = Backoff.parse({ initialMs: 100, factor: 2, maxMs: 1000, jitter: 0 });

  it('grows the delay exponentially per attempt and caps it', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(backoff, attempt))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads the delay by the jitter fraction, both ways', () => {
    const jittery = { ...backoff, jitter: 0.5 };
    expect(backoffDelay(jittery, 1, () => 0)).toBe(50);
    expect(backoffDelay(jittery, 1, () => 1)).toBe(150);
    expect(backoffDelay(jittery, 1, () => 0.5)).toBe(100);
  });

  it('retries any code but the non-retryable ones, unless the module said not to', () => {
    const policy = RetryPolicy.parse({ maxAttempts: 3 });
    expect(isRetryable(policy, { code: 'MODULE_ERROR' })).toBe(true);
    expect(isRetryable(policy, { code: 'TIMEOUT' })).toBe(true);
    expect(isRetryable(policy, { code: 'PARAM_MISSING' })).toBe(false);
    expect(isRetryable(policy, { code: 'CANCELLED' })).toBe(false);
    expect(isRetryable(policy, { code: 'MODULE_ERROR', retryable: false })).toBe(false);
    expect(isRetryable(policy, null)).toBe(false);
  });

  it('retries only the listed codes when retryOn is set', () => {
    const policy = RetryPolicy.parse({ maxAttempts: 3, retryOn: ['TIMEOUT'] });
    expect(isRetryable(policy, { code: 'TIMEOUT' })).toBe(true);
    expect(isRetryable(policy, { code: 'MODULE_ERROR' })).toBe(false);
  });
});
