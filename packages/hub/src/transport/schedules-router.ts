import { z } from 'zod';
import { CronExpression, TimeZone, type ScheduleDefinition } from '@nexomatic/core';
import { nextRun, nextRuns } from '@nexomatic/sources';
import { router, viewerProcedure } from './trpc.js';

/** Most run times one preview returns. */
const MAX_COUNT = 100;

/** What `schedules.preview` takes: a cron expression, a time zone, how many runs, and from when. */
export const SchedulePreviewInput = z.object({
  cron: CronExpression,
  /** @default 'UTC' */
  timeZone: TimeZone.default('UTC'),
  /** @default 5 */
  count: z.number().int().min(1).max(MAX_COUNT).default(5),
  /** ISO time the runs come after. @default now */
  from: z.iso.datetime({ offset: true }).optional(),
});

/** A stored Schedule with the time it fires next (null when disabled or when it never matches a date). */
export interface ScheduleView extends ScheduleDefinition {
  nextRun: string | null;
}

/**
 * Schedules of the caller's tenant: `preview` shows when a cron expression fires (before or
 * without storing a Schedule), `list` the stored Schedules with their next run. Both are reads: a
 * Viewer may call them. Schedules themselves are written with `definitions.upsert`.
 */
export const schedulesRouter = router({
  /** The next `count` run times (ISO) of a cron expression in a time zone; a bad field is a `VALIDATION` error naming it. */
  preview: viewerProcedure.input(SchedulePreviewInput).query(({ input }) => ({
    runs: nextRuns(input.cron, input.timeZone, input.count, input.from ? new Date(input.from) : new Date()).map((d) => d.toISOString()),
  })),
  /** The tenant's Schedules, by name, each with its next run. */
  list: viewerProcedure.query(async ({ ctx }): Promise<ScheduleView[]> => {
    const now = new Date();
    const schedules = (await ctx.services.definitions.list(ctx.caller.tenantId, 'schedule')) as ScheduleDefinition[];
    return schedules.map((schedule) => ({
      ...schedule,
      nextRun: schedule.enabled ? (nextRun(schedule.cron, schedule.timeZone, now)?.toISOString() ?? null) : null,
    }));
  }),
});
