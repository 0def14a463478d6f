import { describe, expect, it } from 'vitest';
import { cronProblem, ScheduleDefinition } from '../src/index.js';

describe('cron expressions', () => {
  it.each(['0 9 * * 1-5', '*/15 * * * *', '0 0 1 * *', '5,10,15 0-6/2 * 1-12 0'])('accepts %s', (expression) => {
    expect(cronProblem(expression)).toBeNull();
  });

  it.each([
    ['* * * *', /5 fields/],
    ['60 * * * *', /minute value 60/],
    ['* 24 * * *', /hour value 24/],
    ['* * 0 * *', /day of month value 0/],
    ['* * * 13 *', /month value 13/],
    ['* * * * 7', /day of week value 7/],
    ['*/0 * * * *', /step must be at least 1/],
    ['@daily x y z w', /minute field/],
  ])('rejects %s', (expression, problem) => {
    expect(cronProblem(expression)).toMatch(problem);
  });

  it('names the timeZone field of a Schedule with an unknown time zone', () => {
    const result = ScheduleDefinition.safeParse({ name: 'nightly', eventType: 'cleanup', cron: '0 0 * * *', timeZone: 'Europe/Atlantis' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['timeZone']);
    expect(ScheduleDefinition.parse({ name: 'nightly', eventType: 'cleanup', cron: '0 0 * * *', timeZone: 'Asia/Kolkata' }).timeZone).toBe('Asia/Kolkata');
  });

  it('names the cron field of a Schedule', () => {
    const result = ScheduleDefinition.safeParse({ name: 'nightly', eventType: 'cleanup', cron: '61 * * * *' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['cron']);
  });
});
