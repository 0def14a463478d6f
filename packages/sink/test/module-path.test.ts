import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNexomaticError } from '@nexomatic/core';
import { moduleCandidates, resolveModulePath } from '../src/executors/module-path.js';
import { FIXTURES } from './support/helpers.js';

const SECOND = join(FIXTURES, 'second');

describe('module path resolution', () => {
  it('maps a dotted path to <root>/a/b.{mjs,js,ts,mts} for each root in order', () => {
    expect(moduleCandidates('orders.process', ['/r1', '/r2'])).toEqual([
      '/r1/orders/process.mjs',
      '/r1/orders/process.js',
      '/r1/orders/process.ts',
      '/r1/orders/process.mts',
      '/r2/orders/process.mjs',
      '/r2/orders/process.js',
      '/r2/orders/process.ts',
      '/r2/orders/process.mts',
    ]);
  });

  it('takes the first root that has the module', async () => {
    expect(await resolveModulePath('orders.process', [FIXTURES, SECOND])).toBe(join(FIXTURES, 'orders/process.mjs'));
    expect(await resolveModulePath('orders.process', [SECOND, FIXTURES])).toBe(join(SECOND, 'orders/process.js'));
    expect(await resolveModulePath('only_second', [FIXTURES, SECOND])).toBe(join(SECOND, 'only_second.js'));
    expect(await resolveModulePath('typed', [FIXTURES])).toBe(join(FIXTURES, 'typed.ts'));
  });

  it('throws MODULE_NOT_FOUND naming every path tried', async () => {
    const error = await resolveModulePath('billing.run', [FIXTURES, SECOND]).catch((e: unknown) => e);
    expect(isNexomaticError(error, 'MODULE_NOT_FOUND')).toBe(true);
    const message = (error as Error).message;
    for (const tried of moduleCandidates('billing.run', [FIXTURES, SECOND])) expect(message).toContain(tried);
  });

  it('refuses paths that are not dotted import paths (no escaping the roots)', async () => {
    for (const bad of ['../etc/passwd', 'orders..process', '/abs', 'a/b']) {
      const error = await resolveModulePath(bad, [FIXTURES]).catch((e: unknown) => e);
      expect(isNexomaticError(error, 'MODULE_NOT_FOUND'), bad).toBe(true);
    }
  });
});
