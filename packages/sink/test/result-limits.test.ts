import { describe, expect, it } from 'vitest';
import { fitResult } from '../src/result-limits.js';

const base = { kind: 'result' as const, eventId: 'e1', attempt: 1 };

describe('result reports are made to fit what the hub accepts', () => {
  it('leaves a normal report as it is', () => {
    const report = { ...base, outcome: 'SUCCESS' as const, result: { ok: true }, warnings: ['careful'] };
    expect(fitResult(report)).toBe(report);
  });

  it('clips long warnings and too many of them', () => {
    const fitted = fitResult({ ...base, outcome: 'WARNING', result: null, warnings: ['x'.repeat(20_000), ...Array(1500).fill('w')] });
    expect(fitted.warnings).toHaveLength(1000);
    expect(fitted.warnings![0]!.length).toBeLessThanOrEqual(10_000);
    expect(fitted.warnings![0]).toMatch(/\[truncated\]$/);
  });

  it('drops error details before giving up on a report', () => {
    const report = { ...base, outcome: 'ERROR' as const, result: null, error: { code: 'BOOM', message: 'boom', details: { traceback: 'y'.repeat(5000) } } };
    expect(fitResult(report, 1000)).toMatchObject({ outcome: 'ERROR', error: { code: 'BOOM', message: 'boom' } });
    expect(fitResult(report, 1000).error).not.toHaveProperty('details');
  });

  it('turns a result larger than the limit into a non-retryable RESULT_TOO_LARGE error', () => {
    const fitted = fitResult({ ...base, outcome: 'SUCCESS', result: { blob: 'z'.repeat(2048) } }, 1024);
    expect(fitted).toMatchObject({ outcome: 'ERROR', result: null, error: { code: 'RESULT_TOO_LARGE', retryable: false } });
    expect(fitted.error!.message).toContain('at most 1024 bytes');
  });
});
