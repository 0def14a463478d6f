import { describe, expect, it } from 'vitest';
import { isNexomaticError, NexomaticError } from '../src/index.js';

describe('NexomaticError', () => {
  it('carries a code, a cause and a plain-data form', () => {
    const cause = new Error('disk full');
    const error = new NexomaticError('INTERNAL', 'store failed', { cause, details: { table: 'events' } });
    expect(error.code).toBe('INTERNAL');
    expect(error.cause).toBe(cause);
    expect(error.toData()).toEqual({ code: 'INTERNAL', message: 'store failed', details: { table: 'events' } });
    expect(isNexomaticError(error, 'INTERNAL')).toBe(true);
    expect(isNexomaticError(error, 'NOT_FOUND')).toBe(false);
  });

  it('wraps unknown throws and keeps NexomaticErrors as they are', () => {
    const wrapped = NexomaticError.from('boom', 'MODULE_ERROR');
    expect(wrapped).toMatchObject({ code: 'MODULE_ERROR', message: 'boom', cause: 'boom' });
    const original = new NexomaticError('NOT_FOUND', 'x');
    expect(NexomaticError.from(original)).toBe(original);
  });
});
