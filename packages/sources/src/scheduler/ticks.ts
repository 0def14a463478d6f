import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ScheduleDefinition } from '@nexomatic/core';

/** The name of the Agenda job definition that runs Schedule ticks. */
export const TICK_JOB = 'nexomatic.schedule-tick';

/**
 * What an Agenda job of {@link TICK_JOB} carries: one tick of one Schedule. `fingerprint` names
 * the cron expression and time zone the tick was computed from, so a tick of an older version of
 * the Schedule is recognised and dropped.
 */
export const TickData = z.object({
  tenantId: z.string().min(1),
  schedule: z.string().min(1),
  /** The tick's time, ISO. */
  tick: z.iso.datetime(),
  fingerprint: z.string().min(1),
});
/** What an Agenda tick job carries. */
export type TickData = z.infer<typeof TickData>;

/** The part of a Schedule that decides its ticks: cron expression and time zone. */
export function fingerprint(schedule: Pick<ScheduleDefinition, 'cron' | 'timeZone'>): string {
  return `${schedule.cron.trim().split(/\s+/).join(' ')}|${schedule.timeZone}`;
}

const KEY_LIMIT = 200;

/**
 * The idempotency key of the event one tick fires: `schedule:<tenant>:<name>:<tick ISO>`, so a
 * tick that runs twice (two hubs, or a retry after a crash) makes one event. A key that would pass
 * the 200-character limit uses a SHA-256 of the Schedule name instead of the name.
 */
export function tickKey(tenantId: string, schedule: string, tick: Date): string {
  const key = `schedule:${tenantId}:${schedule}:${tick.toISOString()}`;
  if (key.length <= KEY_LIMIT) return key;
  const digest = createHash('sha256').update(schedule).digest('base64url');
  return `schedule:${tenantId}:#${digest}:${tick.toISOString()}`;
}
