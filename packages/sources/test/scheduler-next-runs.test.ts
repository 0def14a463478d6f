import { describe, expect, it } from 'vitest';
import { NexomaticError } from '@nexomatic/core';
import { nextRun, nextRuns, tickKey } from '../src/index.js';
import { fingerprint } from '../src/scheduler/ticks.js';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

function fieldOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(NexomaticError);
    expect((error as NexomaticError).code).toBe('VALIDATION');
    return ((error as NexomaticError).details as { fields: string[] }).fields[0];
  }
  throw new Error('expected a VALIDATION error');
}

describe('nextRuns', () => {
  it('lists the product docs’ examples, strictly after `from`', () => {
    const from = new Date('2026-01-01T00:00:00Z'); // a Thursday
    expect(iso(nextRuns('0 9 * * 1-5', 'UTC', 3, from))).toEqual(['2026-01-01T09:00:00.000Z', '2026-01-02T09:00:00.000Z', '2026-01-05T09:00:00.000Z']);
    expect(iso(nextRuns('*/15 * * * *', 'UTC', 3, from))).toEqual(['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z']);
    expect(iso(nextRuns('0 0 1 * *', 'UTC', 2, from))).toEqual(['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
  });

  it('fires at wall-clock times of the time zone', () => {
    // 09:00 in Berlin is 08:00 UTC in winter (CET) and 07:00 UTC in summer (CEST).
    const from = new Date('2026-03-26T12:00:00Z'); // Thursday; Europe moves to summer time on Sunday 29 March
    expect(iso(nextRuns('0 9 * * 1-5', 'Europe/Berlin', 3, from))).toEqual([
      '2026-03-27T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-03-31T07:00:00.000Z',
    ]);
    expect(iso(nextRuns('30 17 * * *', 'Asia/Kolkata', 1, from))).toEqual(['2026-03-27T12:00:00.000Z']);
  });

  it('handles the daylight saving jumps of America/New_York', () => {
    // 8 March 2026: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist that day.
    expect(iso(nextRuns('30 2 * * *', 'America/New_York', 3, new Date('2026-03-07T12:00:00Z')))).toEqual([
      '2026-03-08T07:30:00.000Z', // shifted by the jump: 03:30 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
    // Hourly runs are real hours: 01:00 EST, then 03:00 EDT.
    expect(iso(nextRuns('0 * * * *', 'America/New_York', 2, new Date('2026-03-08T05:30:00Z')))).toEqual(['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z']);
    // 1 November 2026: 02:00 EDT goes back to 01:00 EST, so 01:30 happens twice; it fires once.
    expect(iso(nextRuns('30 1 * * *', 'America/New_York', 2, new Date('2026-10-31T12:00:00Z')))).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    // ...while an hourly schedule fires in both 01:00 hours.
    expect(iso(nextRuns('0 * * * *', 'America/New_York', 3, new Date('2026-11-01T04:30:00Z')))).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
    ]);
  });

  it('matches day of month OR day of week when both are restricted (standard cron)', () => {
    // The 13th, and every Friday.
    expect(iso(nextRuns('0 0 13 * 5', 'UTC', 4, new Date('2026-01-01T00:00:00Z')))).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-09T00:00:00.000Z',
      '2026-01-13T00:00:00.000Z',
      '2026-01-16T00:00:00.000Z',
    ]);
  });

  it('returns no run for an expression that never matches a date', () => {
    expect(nextRuns('0 0 30 2 *', 'UTC', 3, new Date('2026-01-01T00:00:00Z'))).toEqual([]);
    expect(nextRun('0 0 30 2 *', 'UTC', new Date('2026-01-01T00:00:00Z'))).toBeNull();
  });

  it('refuses a bad cron expression, time zone or count with an error naming the field', () => {
    expect(fieldOf(() => nextRuns('61 * * * *'))).toBe('cron');
    expect(fieldOf(() => nextRuns('* * * *'))).toBe('cron');
    expect(fieldOf(() => nextRuns('* * * * *', 'Mars/Olympus_Mons'))).toBe('timeZone');
    expect(fieldOf(() => nextRuns('* * * * *', 'UTC', 0))).toBe('count');
  });
});

describe('tick identity', () => {
  it('keys a tick by tenant, Schedule and time, within the 200-character limit', () => {
    const tick = new Date('2026-01-01T09:00:00Z');
    expect(tickKey('t1', 'nightly', tick)).toBe('schedule:t1:nightly:2026-01-01T09:00:00.000Z');
    const long = tickKey('7d2c1f0e-0000-4000-8000-000000000000', 'x'.repeat(200), tick);
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long).not.toBe(tickKey('7d2c1f0e-0000-4000-8000-000000000000', `${'x'.repeat(199)}y`, tick));
  });

  it('fingerprints what decides the ticks, spacing aside', () => {
    expect(fingerprint({ cron: ' 0  9 * * 1-5', timeZone: 'UTC' })).toBe(fingerprint({ cron: '0 9 * * 1-5', timeZone: 'UTC' }));
    expect(fingerprint({ cron: '0 9 * * 1-5', timeZone: 'UTC' })).not.toBe(fingerprint({ cron: '0 9 * * 1-5', timeZone: 'Europe/Berlin' }));
  });
});
