import { z } from 'zod';

/** The hub's `scheduler` option: the Scheduler source that fires the stored Schedules. */
export const SchedulerSettings = z.object({
  /** Runs the Scheduler in this hub. Several hubs on one store may all run it: each tick fires once. @default true */
  enabled: z.boolean().default(true),
  /** How often the Scheduler looks for due ticks (Agenda's `processEvery`), in milliseconds. @default 5000 */
  pollIntervalMs: z.number().int().min(10).max(60_000).default(5_000),
  /**
   * How often the Scheduler re-reads every Schedule, in milliseconds, to pick up changes made
   * through another hub on the same store (changes through this hub apply at once). @default 30000
   */
  syncIntervalMs: z.number().int().min(100).max(3_600_000).default(30_000),
  /** How long a hub holds a tick before another may take it over, in milliseconds. @default 60000 */
  lockLifetimeMs: z.number().int().min(100).max(3_600_000).default(60_000),
});
/** The hub's `scheduler` option, as the user passes it. */
export type SchedulerSettings = z.input<typeof SchedulerSettings>;
/** The hub's `scheduler` option with every default filled in. */
export type ResolvedSchedulerSettings = z.output<typeof SchedulerSettings>;
