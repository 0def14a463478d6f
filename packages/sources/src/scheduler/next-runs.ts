import { CronExpressionParser } from 'cron-parser';
import { NexomaticError, cronProblem, isTimeZone } from '@nexomatic/core';

/** Most run times one preview returns. */
export const MAX_PREVIEW = 1000;

/**
 * The next `count` times a standard 5-field cron expression fires in a time zone, strictly after
 * `from`, oldest first. Fewer (or none) when the expression never matches a real date, such as
 * `0 0 30 2 *`.
 *
 * Daylight saving time: a wall-clock time skipped by a jump forward fires once, shifted by the
 * jump (`30 2 * * *` in `America/New_York` fires at 03:30 on that day); a wall-clock time that
 * occurs twice when clocks go back fires once, at its first occurrence; expressions that match
 * every hour or minute keep firing at real hours and minutes across both jumps.
 *
 * @throws NexomaticError `VALIDATION` naming the field (`cron`, `timeZone`, `count`) that is wrong.
 * @example
 * ```ts
 * nextRuns('0 9 * * 1-5', 'Europe/Berlin', 3); // the next three weekday 09:00s in Berlin
 * ```
 */
export function nextRuns(cron: string, timeZone = 'UTC', count = 5, from: Date = new Date()): Date[] {
  const problem = cronProblem(cron);
  if (problem) invalid('cron', problem);
  if (!isTimeZone(timeZone)) invalid('timeZone', 'must be an IANA time zone, e.g. "Europe/Berlin" or "UTC"');
  if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW) invalid('count', `must be an integer from 1 to ${MAX_PREVIEW}`);
  if (Number.isNaN(from.getTime())) invalid('from', 'must be a valid date');
  const runs: Date[] = [];
  try {
    const times = CronExpressionParser.parse(cron.trim(), { currentDate: from, tz: timeZone });
    while (runs.length < count && times.hasNext()) runs.push(times.next().toDate());
  } catch {
    // cron-parser refuses expressions that can never match (31 February) and stops past its
    // search range: both mean there are no (more) run times.
  }
  return runs;
}

/** The first time a cron expression fires after `from`, or null when it never does. */
export function nextRun(cron: string, timeZone: string, from: Date): Date | null {
  return nextRuns(cron, timeZone, 1, from)[0] ?? null;
}

function invalid(field: string, message: string): never {
  throw new NexomaticError('VALIDATION', `invalid schedule: ${field}: ${message}`, { details: { fields: [field] } });
}
