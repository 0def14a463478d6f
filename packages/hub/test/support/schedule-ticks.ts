import type { JobWithState } from 'agenda';
import { TICK_JOB, type TickData } from '@nexomatic/sources';
import type { Hub } from '../../src/index.js';
import { waitFor } from './wait.js';

/** The Agenda tick jobs of one Schedule, in the hub's store. */
export async function tickJobs(hub: Hub, schedule: string): Promise<JobWithState[]> {
  return (await hub.store.schedulerBackend().repository.queryJobs({ name: TICK_JOB, data: { schedule } })).jobs;
}

/** Waits for the Schedule's upcoming tick (a job not yet run) that satisfies `check`. */
export function pendingTick(hub: Hub, schedule: string, check: (job: JobWithState, data: TickData) => boolean = () => true): Promise<JobWithState> {
  return waitFor(`the upcoming tick of ${schedule}`, async () => {
    const jobs = await tickJobs(hub, schedule);
    return jobs.find((job) => job.nextRunAt !== null && !job.lockedAt && check(job, job.data as TickData));
  });
}

/**
 * Makes the Schedule's upcoming tick due now, as the tick at `tick` (a time in the past): the
 * real Agenda of the hub(s) then locks and runs it, as it would at that time.
 */
export async function forceTick(hub: Hub, schedule: string, tick: Date, check?: (job: JobWithState, data: TickData) => boolean): Promise<void> {
  const job = await pendingTick(hub, schedule, (j, d) => j.nextRunAt!.getTime() > Date.now() && (check?.(j, d) ?? true));
  await hub.store.schedulerBackend().repository.saveJob({ ...job, nextRunAt: tick, data: { ...(job.data as TickData), tick: tick.toISOString() } }, undefined);
}
