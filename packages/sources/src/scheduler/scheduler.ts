import { Agenda, exponential, when, type AgendaBackend, type Job, type JobWithState } from 'agenda';
import { z } from 'zod';
import {
  NexomaticError,
  parse,
  silentLogger,
  type EventSource,
  type Logger,
  type ScheduleDefinition,
  type SourceContext,
} from '@nexomatic/core';
import { nextRun } from './next-runs.js';
import { TICK_JOB, TickData, fingerprint, tickKey } from './ticks.js';

/** Where the Scheduler reads the stored Schedules, per tenant (the scope of a Schedule is its tenant). */
export interface SchedulesReader {
  /** Every tenant whose Schedules the Scheduler keeps. */
  tenants(): Promise<readonly string[]>;
  /** A tenant's Schedules. */
  list(tenantId: string): Promise<readonly ScheduleDefinition[]>;
  /** One Schedule, or null when the tenant has none of that name. */
  get(tenantId: string, name: string): Promise<ScheduleDefinition | null>;
}

/** Hands out the {@link SourceContext} a tenant's Schedule fires through. */
export type ContextFor = (tenantId: string, source: EventSource) => SourceContext;

const isObject = (v: unknown) => typeof v === 'object' && v !== null;

/** Options of {@link Scheduler.start}. */
export const SchedulerOptions = z.object({
  /** The Agenda backend the tick jobs live in; the hub's store provides it (`store.schedulerBackend()`). */
  backend: z.custom<AgendaBackend>((v) => isObject(v) && 'repository' in (v as object), 'must be an Agenda backend'),
  /** Where the stored Schedules are read. */
  schedules: z.custom<SchedulesReader>((v) => isObject(v) && 'list' in (v as object), 'must be a SchedulesReader'),
  /** The SourceContext of a tenant's Schedule, e.g. `(tenantId, source) => hub.sourceContext(source, tenantId)`. */
  context: z.custom<ContextFor>((v) => typeof v === 'function', 'must be a function'),
  /** How often Agenda looks for due ticks, in milliseconds; a tick locked early waits for its time. @default 5000 */
  pollIntervalMs: z.number().int().min(10).max(60_000).default(5_000),
  /**
   * How long a tick stays locked to the hub running it, in milliseconds; a hub that dies mid-tick
   * leaves the tick to another after this long (it then fires with the same idempotency key).
   * @default 60000
   */
  lockLifetimeMs: z.number().int().min(100).max(3_600_000).default(60_000),
  /** This instance's name in Agenda's `lastModifiedBy`. @default 'nexomatic-scheduler' */
  name: z.string().min(1).max(200).default('nexomatic-scheduler'),
  /** Where the Scheduler logs each tick and problem. @default silentLogger */
  logger: z.custom<Logger>((v) => isObject(v) && 'warn' in (v as object), 'must be a Logger').default(silentLogger),
  /** The clock new ticks are computed from. @default () => new Date() */
  now: z.custom<() => Date>((v) => typeof v === 'function', 'must be a function').optional(),
});
/** Options of {@link Scheduler.start}. */
export type SchedulerOptions = z.input<typeof SchedulerOptions>;

/** Errors worth retrying a tick for: back-pressure and failures of the hub itself, not bad definitions. */
const RETRYABLE = new Set(['QUEUE_FULL', 'RATE_LIMITED', 'INTERNAL']);
const retryable = (error: unknown) => !(error instanceof NexomaticError) || RETRYABLE.has(error.code);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The Scheduler source: keeps one Agenda job per upcoming tick of every enabled Schedule, and
 * fires one event per tick through the tenant's {@link SourceContext} (source
 * `{ type: 'scheduler', id: <schedule name> }`, idempotency key `schedule:<tenant>:<name>:<tick>`).
 *
 * Each tick is its own Agenda job, unique by tenant, Schedule, tick time and cron/time zone; when it
 * runs it first stores the Schedule's next tick, then fires. Agenda's lock gives a tick to one
 * instance (hub) only; the idempotency key makes a tick that still runs twice (a lock that expired
 * mid-run) one event. {@link Scheduler.sync} brings the jobs in step with the stored Schedules:
 * a new or changed Schedule gets its next tick, a disabled one's ticks are disabled in Agenda,
 * a removed one's ticks are removed. A tick missed while no hub ran fires once when one starts.
 */
export class Scheduler {
  readonly #agenda: Agenda;
  readonly #reader: SchedulesReader;
  readonly #context: ContextFor;
  readonly #logger: Logger;
  readonly #now: () => Date;
  #syncing: Promise<void> = Promise.resolve();
  #running = 0;
  #idle: Array<() => void> = [];
  #closed = false;

  private constructor(options: z.output<typeof SchedulerOptions>) {
    this.#reader = options.schedules;
    this.#context = options.context;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
    this.#agenda = new Agenda({
      backend: options.backend,
      name: options.name,
      processEvery: options.pollIntervalMs,
      defaultLockLifetime: options.lockLifetimeMs,
      maxConcurrency: 20,
      defaultConcurrency: 20,
    });
    this.#agenda.on('error', (error) => this.#logger.warn('scheduler: Agenda reported an error', { error: message(error) }));
    this.#agenda.define(TICK_JOB, (job) => this.#tick(job), {
      removeOnComplete: true,
      backoff: when((ctx) => retryable(ctx.error), exponential({ delay: 1000, factor: 2, maxRetries: 3 })),
    });
    this.#agenda.on(`start:${TICK_JOB}`, () => (this.#running += 1));
    this.#agenda.on(`complete:${TICK_JOB}`, () => {
      this.#running -= 1;
      if (this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
    });
  }

  /**
   * Starts a Scheduler: validates the options, brings the Agenda jobs in step with every tenant's
   * Schedules, then starts Agenda's polling.
   */
  static async start(options: SchedulerOptions): Promise<Scheduler> {
    const scheduler = new Scheduler(parse(SchedulerOptions, options, 'scheduler options'));
    await scheduler.sync();
    await scheduler.#agenda.start();
    return scheduler;
  }

  /** Brings the Agenda jobs in step with every tenant's Schedules (syncs run one at a time). */
  sync(): Promise<void> {
    return this.#serial(async () => {
      const wanted = new Map<string, { tenantId: string; name: string; schedule: ScheduleDefinition | null }>();
      for (const tenantId of await this.#reader.tenants()) {
        for (const schedule of await this.#reader.list(tenantId)) wanted.set(keyOf(tenantId, schedule.name), { tenantId, name: schedule.name, schedule });
      }
      const jobs = new Map<string, JobWithState[]>();
      for (const job of (await this.#agenda.queryJobs({ name: TICK_JOB })).jobs) {
        const data = TickData.safeParse(job.data);
        if (!data.success) {
          await this.#agenda.cancel({ id: job._id });
          continue;
        }
        const key = keyOf(data.data.tenantId, data.data.schedule);
        jobs.set(key, [...(jobs.get(key) ?? []), job]);
        if (!wanted.has(key)) wanted.set(key, { tenantId: data.data.tenantId, name: data.data.schedule, schedule: null });
      }
      for (const [key, { tenantId, name, schedule }] of wanted) await this.#reconcile(tenantId, name, schedule, jobs.get(key) ?? []);
    });
  }

  /** Brings one Schedule's Agenda jobs in step with what is stored now (after a change through this hub). */
  syncSchedule(tenantId: string, name: string): Promise<void> {
    return this.#serial(async () => {
      const schedule = await this.#reader.get(tenantId, name);
      const { jobs } = await this.#agenda.queryJobs({ name: TICK_JOB, data: { tenantId, schedule: name } });
      await this.#reconcile(tenantId, name, schedule, jobs);
    });
  }

  /**
   * Stops polling (releasing ticks locked but not started), waits up to `timeoutMs` for running
   * ticks to finish, and leaves the backend's connection open. Idempotent.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#agenda.stop(false);
    await this.#syncing;
    if (this.#running > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#idle.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #serial(work: () => Promise<void>): Promise<void> {
    const next = this.#syncing.then(() => (this.#closed ? undefined : work()));
    this.#syncing = next.catch((error: unknown) => this.#logger.warn('scheduler: sync failed', { error: message(error) }));
    return next;
  }

  /** Makes one Schedule's jobs match it: see the class comment. */
  async #reconcile(tenantId: string, name: string, schedule: ScheduleDefinition | null, jobs: readonly JobWithState[]): Promise<void> {
    const now = this.#now();
    const ids = (list: readonly JobWithState[]) => list.map((job) => job._id);
    if (schedule === null) {
      // A removed Schedule: every tick goes (one being run finds no Schedule and fires nothing).
      if (jobs.length > 0) await this.#agenda.cancel({ ids: ids(jobs) });
      return;
    }
    // Finished ticks left behind (a failed tick after its retries): nothing more will happen to them.
    // A tick being run has no nextRunAt but holds its lock; it is left alone.
    const remove = jobs.filter((job) => job.nextRunAt === null && !job.lockedAt);
    const pending = jobs.filter((job) => job.nextRunAt !== null);
    if (!schedule.enabled) {
      const enabled = pending.filter((job) => job.disabled !== true);
      if (enabled.length > 0) await this.#agenda.disable({ ids: ids(enabled) });
    } else {
      const current = fingerprint(schedule);
      const stale = pending.filter(
        (job) => (job.data as TickData).fingerprint !== current || (job.disabled === true && job.nextRunAt! <= now),
      );
      remove.push(...stale);
      const keep = pending.filter((job) => !stale.includes(job));
      const paused = keep.filter((job) => job.disabled === true);
      if (paused.length > 0) await this.#agenda.enable({ ids: ids(paused) });
      if (keep.length === 0) {
        const tick = nextRun(schedule.cron, schedule.timeZone, now);
        if (tick) await this.#saveTick({ tenantId, schedule: name, tick: tick.toISOString(), fingerprint: current });
      }
    }
    if (remove.length > 0) await this.#agenda.cancel({ ids: ids(remove) });
  }

  /** Stores a tick job; the same tick saved twice (by two hubs) is one job. */
  async #saveTick(data: TickData): Promise<void> {
    await this.#agenda
      .create(TICK_JOB, data)
      .schedule(new Date(data.tick))
      .unique(
        { 'data.tenantId': data.tenantId, 'data.schedule': data.schedule, 'data.tick': data.tick, 'data.fingerprint': data.fingerprint },
        { insertOnly: true },
      )
      .save();
  }

  /** Runs one tick: stores the next one, then fires the tick's event (idempotently). */
  async #tick(job: Job): Promise<void> {
    const parsed = TickData.safeParse(job.attrs.data);
    if (!parsed.success) {
      this.#logger.warn('scheduler: dropped a tick job with malformed data', { jobId: String(job.attrs._id) });
      return;
    }
    const data = parsed.data;
    const fields = { tenantId: data.tenantId, schedule: data.schedule, tick: data.tick };
    const schedule = await this.#reader.get(data.tenantId, data.schedule);
    if (schedule === null || !schedule.enabled || fingerprint(schedule) !== data.fingerprint) {
      this.#logger.debug('scheduler: dropped a tick of a Schedule that changed', fields);
      await this.syncSchedule(data.tenantId, data.schedule);
      return;
    }
    const tick = new Date(data.tick);
    const after = new Date(Math.max(tick.getTime(), this.#now().getTime()));
    const next = nextRun(schedule.cron, schedule.timeZone, after);
    if (next) await this.#saveTick({ ...data, tick: next.toISOString() });
    try {
      const event = await this.#context(data.tenantId, { type: 'scheduler', id: data.schedule }).fire({
        eventType: schedule.eventType,
        payload: schedule.payload,
        ...(schedule.pinnedSinkId === undefined ? {} : { pinnedSinkId: schedule.pinnedSinkId }),
        idempotencyKey: tickKey(data.tenantId, data.schedule, tick),
      });
      this.#logger.info('scheduler: fired a Schedule tick', { ...fields, eventId: event.id });
    } catch (error) {
      this.#logger.warn('scheduler: a Schedule tick could not fire its event', {
        ...fields,
        error: message(error),
        retry: retryable(error),
      });
      throw error;
    }
  }
}

const keyOf = (tenantId: string, name: string) => `${tenantId}\u0000${name}`;
