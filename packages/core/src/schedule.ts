import { z } from 'zod';
import { DefinitionName, JsonObject } from './names.js';

const FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
const RANGES: ReadonlyArray<[string, number, number]> = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 6],
];

/**
 * Checks a standard 5-field cron expression (`minute hour day-of-month month day-of-week`) and
 * returns a problem in words, or null when it is valid.
 */
export function cronProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return `needs 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (const [i, field] of fields.entries()) {
    const [name, min, max] = RANGES[i]!;
    if (!FIELD.test(field)) return `${name} field "${field}" is not a cron field`;
    for (const n of field.match(/\d+/g) ?? []) {
      const value = Number(n);
      const isStep = field.includes(`/${n}`);
      if (!isStep && (value < min || value > max)) return `${name} value ${value} is outside ${min}-${max}`;
      if (isStep && value === 0) return `${name} step must be at least 1`;
    }
  }
  return null;
}

/** A standard 5-field cron expression. */
export const CronExpression = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** True when `name` is a time zone this runtime knows (an IANA name such as `Europe/Berlin`, or `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name, e.g. `Europe/Berlin` or `UTC`. */
export const TimeZone = z
  .string()
  .min(1)
  .max(100)
  .refine(isTimeZone, 'must be an IANA time zone, e.g. "Europe/Berlin" or "UTC"');

/** A Schedule: a cron expression and time zone that fires an Event Type. */
export const ScheduleDefinition = z.object({
  name: DefinitionName,
  eventType: DefinitionName,
  cron: CronExpression,
  /** IANA time zone. @default 'UTC' */
  timeZone: TimeZone.default('UTC'),
  enabled: z.boolean().default(true),
  payload: JsonObject.default({}),
  /** Runs every fired event on this sink only. */
  pinnedSinkId: z.string().optional(),
});
/** A Schedule. */
export type ScheduleDefinition = z.output<typeof ScheduleDefinition>;
