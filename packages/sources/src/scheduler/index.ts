/**
 * The Scheduler source: Schedules (5-field cron, time zone) kept as Agenda jobs, one event per tick.
 *
 * @packageDocumentation
 */
export { Scheduler, SchedulerOptions, type ContextFor, type SchedulesReader } from './scheduler.js';
export { MAX_PREVIEW, nextRun, nextRuns } from './next-runs.js';
export { TICK_JOB, TickData, fingerprint, tickKey } from './ticks.js';
