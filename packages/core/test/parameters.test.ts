import { describe, expect, it } from 'vitest';
import { mergeParameters, readPath, resolveParameters, type Parameter } from '../src/index.js';

describe('parameters', () => {
  const payload = { order: { id: 'A-1', lines: [{ sku: 'tea' }, { sku: 'cake' }] }, zero: 0, none: null };

  it('reads dotted paths into objects and arrays, and reports missing steps as undefined', () => {
    expect(readPath(payload, 'order.id')).toBe('A-1');
    expect(readPath(payload, 'order.lines.1.sku')).toBe('cake');
    expect(readPath(payload, 'zero')).toBe(0);
    expect(readPath(payload, 'none')).toBeNull();
    expect(readPath(payload, 'order.missing')).toBeUndefined();
    expect(readPath(payload, 'order.lines.x')).toBeUndefined();
    expect(readPath(payload, 'order.id.deeper')).toBeUndefined();
    expect(readPath(payload, 'toString')).toBeUndefined();
  });

  it('resolves STATIC and DATA to values and keeps SECRET as a reference only', () => {
    const params: Parameter[] = [
      { name: 'region', type: 'STATIC', value: 'eu' },
      { name: 'orderId', type: 'DATA', path: 'order.id' },
      { name: 'apiKey', type: 'SECRET', key: 'PAYMENTS_KEY' },
    ];
    expect(resolveParameters(params, payload)).toEqual({
      region: { value: 'eu' },
      orderId: { value: 'A-1' },
      apiKey: { secret: 'PAYMENTS_KEY' },
    });
  });

  it('throws PARAM_MISSING naming the parameter and path when a DATA path is absent', () => {
    expect(() => resolveParameters([{ name: 'customer', type: 'DATA', path: 'order.customer' }], payload)).toThrow(
      expect.objectContaining({ code: 'PARAM_MISSING', message: expect.stringContaining('customer') }),
    );
  });

  it('merges lists so that later lists win by name', () => {
    const merged = mergeParameters(
      [
        { name: 'a', type: 'STATIC', value: 1 },
        { name: 'b', type: 'STATIC', value: 2 },
      ],
      [{ name: 'a', type: 'DATA', path: 'x' }],
    );
    expect(merged).toEqual([
      { name: 'a', type: 'DATA', path: 'x' },
      { name: 'b', type: 'STATIC', value: 2 },
    ]);
  });
});
