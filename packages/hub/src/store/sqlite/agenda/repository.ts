import { randomUUID } from 'node:crypto';
import {
  computeJobState,
  type JobId,
  type JobParameters,
  type JobRepository,
  type JobRepositoryOptions,
  type JobsOverview,
  type JobsQueryOptions,
  type JobsResult,
  type JobWithState,
  type RemoveJobsOptions,
} from 'agenda';
import type { Connection } from '../connection.js';
import { jobFilter, matchUnique, orderBy, queryFilter, whereSql, type Where } from './filters.js';
import { ALL_COLUMNS, OWNER_COLUMNS, jobToRow, ms, rowToJob, type AgendaJobRow } from './rows.js';

/** The lock predicate of `getNextJobToRun`: an enabled job that is due and unlocked, or whose lock expired. */
const LOCKABLE = `name = ? AND disabled = 0 AND ((locked_at IS NULL AND next_run_at <= ?) OR locked_at <= ?)`;
const NEXT_ORDER = 'next_run_at ASC NULLS LAST, priority DESC, id';

/**
 * agenda's `JobRepository` on the hub's SQLite database (table `agenda_jobs`, schema version 6).
 *
 * Every lock is one conditional `UPDATE ... RETURNING` inside a `BEGIN IMMEDIATE` transaction, so
 * two Agenda instances, in this process or another one on the same file, never lock the same job
 * at once. `saveJob` with `unique()` or `type: 'single'` reads and writes in one such transaction,
 * so concurrent saves converge on one job. A save of an existing job (by `_id`) never writes the
 * fields the job processor manages (lock, run and failure times, progress). Times are milliseconds.
 */
export class SqliteJobRepository implements JobRepository {
  readonly #connection: Connection;

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  /** Nothing to do: the table is part of the store's schema (migration 6). */
  async connect(): Promise<void> {}

  async getJobById(id: string): Promise<JobParameters | null> {
    const row = await this.#connection.read(() =>
      this.#connection.statement<AgendaJobRow>('SELECT * FROM agenda_jobs WHERE id = ?').get(String(id)),
    );
    return row === undefined ? null : rowToJob(row);
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    const now = new Date();
    const where = queryFilter(options);
    const skip = Math.max(0, options.skip ?? 0);
    const limit = Math.max(0, options.limit ?? 0);
    const rows = await this.#select(where, orderBy(options.sort));
    let jobs: JobWithState[] = rows.map((row) => {
      const job = rowToJob(row);
      return { ...job, _id: job._id as JobId, state: computeJobState(job, now) };
    });
    if (options.state) jobs = jobs.filter((job) => (options.state === 'paused' ? job.disabled === true : job.state === options.state));
    const total = jobs.length;
    return { jobs: limit > 0 ? jobs.slice(skip, skip + limit) : jobs.slice(skip), total };
  }

  async getJobsOverview(): Promise<JobsOverview[]> {
    const now = new Date();
    const byName = new Map<string, JobsOverview>();
    for (const row of await this.#select({ conditions: [], params: [] }, 'name, id')) {
      const job = rowToJob(row);
      let overview = byName.get(job.name);
      if (overview === undefined) {
        overview = { name: job.name, total: 0, running: 0, scheduled: 0, queued: 0, completed: 0, failed: 0, repeating: 0, paused: 0 };
        byName.set(job.name, overview);
      }
      overview.total += 1;
      overview[computeJobState(job, now)] += 1;
      if (job.disabled === true) overview.paused += 1;
    }
    return [...byName.values()];
  }

  async getDistinctJobNames(): Promise<string[]> {
    return this.#connection.read(() =>
      this.#connection
        .statement<{ name: string }>('SELECT DISTINCT name FROM agenda_jobs ORDER BY name')
        .all()
        .map((row) => row.name),
    );
  }

  async getQueueSize(): Promise<number> {
    return this.#connection.read(
      () => this.#connection.statement<{ n: number }>('SELECT COUNT(*) AS n FROM agenda_jobs WHERE next_run_at < ?').get(Date.now())!.n,
    );
  }

  async removeJobs(options: RemoveJobsOptions): Promise<number> {
    const where = jobFilter(options);
    if (where === null) return 0;
    return this.#connection.write(() => this.#connection.db.prepare(`DELETE FROM agenda_jobs ${whereSql(where)}`).run(...where.params).changes);
  }

  async disableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.#setDisabled(options, true);
  }

  async enableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.#setDisabled(options, false);
  }

  async purgeAllJobs(): Promise<number> {
    return this.#connection.write(() => this.#connection.statement('DELETE FROM agenda_jobs').run().changes);
  }

  async saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    if (!job._id) throw new Error('cannot save the state of a job without an id');
    const changes = await this.#connection.write(
      () =>
        this.#connection
          .statement(
            `UPDATE agenda_jobs SET locked_at = ?, next_run_at = ?, last_run_at = ?, progress = ?, fail_reason = ?,
               fail_count = ?, failed_at = ?, last_finished_at = ?, last_modified_by = ?
             WHERE id = ? AND name = ?`,
          )
          .run(
            ms(job.lockedAt),
            ms(job.nextRunAt),
            ms(job.lastRunAt),
            job.progress ?? null,
            job.failReason ?? null,
            job.failCount ?? null,
            ms(job.failedAt),
            ms(job.lastFinishedAt),
            options?.lastModifiedBy ?? null,
            String(job._id),
            job.name,
          ).changes,
    );
    if (changes !== 1) throw new Error(`job ${String(job._id)} (name: ${job.name}) cannot be updated: it no longer exists`);
  }

  async lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    if (!job._id) return undefined;
    const row = await this.#connection.write(() =>
      this.#connection
        .statement<AgendaJobRow>(
          `UPDATE agenda_jobs SET locked_at = ?, last_modified_by = ?
           WHERE id = ? AND name = ? AND locked_at IS NULL AND next_run_at IS ? AND disabled = 0 RETURNING *`,
        )
        .get(Date.now(), options?.lastModifiedBy ?? null, String(job._id), job.name, ms(job.nextRunAt)),
    );
    return row === undefined ? undefined : rowToJob(row);
  }

  async unlockJob(job: JobParameters): Promise<void> {
    if (!job._id) return;
    // A job whose nextRunAt is null is being run: its lock stays until the run saves its state.
    await this.#connection.write(() =>
      this.#connection.statement('UPDATE agenda_jobs SET locked_at = NULL WHERE id = ? AND next_run_at IS NOT NULL').run(String(job._id)),
    );
  }

  async unlockJobs(jobIds: ReadonlyArray<JobId | string>): Promise<void> {
    if (jobIds.length === 0) return;
    const ids = jobIds.map(String);
    await this.#connection.write(() =>
      this.#connection.db.prepare(`UPDATE agenda_jobs SET locked_at = NULL WHERE id IN (${ids.map(() => '?').join(', ')})`).run(...ids),
    );
  }

  async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const params = [jobName, nextScanAt.getTime(), lockDeadline.getTime()];
    // A read first: a poll that finds nothing takes no write lock.
    const candidate = await this.#connection.read(() =>
      this.#connection.statement(`SELECT id FROM agenda_jobs WHERE ${LOCKABLE} ORDER BY ${NEXT_ORDER} LIMIT 1`).get(...params),
    );
    if (candidate === undefined) return undefined;
    const row = await this.#connection.write(() =>
      this.#connection
        .statement<AgendaJobRow>(
          `UPDATE agenda_jobs SET locked_at = ?, last_modified_by = ?
           WHERE id = (SELECT id FROM agenda_jobs WHERE ${LOCKABLE} ORDER BY ${NEXT_ORDER} LIMIT 1) RETURNING *`,
        )
        .get((now ?? new Date()).getTime(), options?.lastModifiedBy ?? null, ...params),
    );
    return row === undefined ? undefined : rowToJob(row);
  }

  async saveJob<DATA = unknown>(job: JobParameters<DATA>, options: JobRepositoryOptions | undefined): Promise<JobParameters<DATA>> {
    const by = options?.lastModifiedBy ?? null;
    return this.#connection.write(() => {
      const { _id, unique, uniqueOpts, ...props } = job;
      const now = Date.now();
      if (_id) {
        const row = this.#updateOwned(String(_id), jobToRow(String(_id), props as JobParameters, by), job.name);
        return row === undefined ? job : rowToJob<DATA>(row);
      }
      if (props.type === 'single') {
        const existing = this.#connection
          .statement<AgendaJobRow>(`SELECT * FROM agenda_jobs WHERE name = ? AND type = 'single'`)
          .get(props.name);
        if (existing === undefined) return rowToJob<DATA>(this.#insert(props as JobParameters, by));
        const values = jobToRow(existing.id, props as JobParameters, by);
        // A due (or past) nextRunAt does not replace the stored one: re-declaring `every()` at start does not re-run it.
        if (values.next_run_at !== null && values.next_run_at <= now) values.next_run_at = existing.next_run_at ?? values.next_run_at;
        return rowToJob<DATA>(this.#updateOwned(existing.id, values, props.name)!);
      }
      if (unique) return this.#saveUnique<DATA>(props as JobParameters, unique, uniqueOpts, by, now);
      return rowToJob<DATA>(this.#insert(props as JobParameters, by));
    });
  }

  /** An upsert by `unique()` (with `insertOnly` and debounce), inside the caller's transaction. */
  #saveUnique<DATA>(
    props: JobParameters,
    unique: Record<string, unknown>,
    uniqueOpts: JobParameters['uniqueOpts'],
    by: string | null,
    now: number,
  ): JobParameters<DATA> {
    const where: Where = { conditions: ['name = ?'], params: [props.name] };
    matchUnique(unique, where);
    const existing = this.#connection.db
      .prepare<unknown[], AgendaJobRow>(`SELECT * FROM agenda_jobs ${whereSql(where)} ORDER BY id LIMIT 1`)
      .get(...where.params);
    const debounce = uniqueOpts?.debounce;
    if (existing === undefined) {
      const fresh = { ...props };
      if (debounce) {
        fresh.debounceStartedAt = new Date(now);
        if (debounce.strategy !== 'leading') fresh.nextRunAt = new Date(now + debounce.delay);
      }
      return rowToJob<DATA>(this.#insert(fresh, by));
    }
    if (uniqueOpts?.insertOnly && !debounce) return rowToJob<DATA>(existing);
    const values = jobToRow(existing.id, props, by);
    if (debounce) {
      const started = existing.debounce_started_at ?? now;
      if (debounce.strategy === 'leading') {
        values.next_run_at = existing.next_run_at;
        values.debounce_started_at = started;
      } else if (debounce.maxWait !== undefined && now - started >= debounce.maxWait) {
        values.next_run_at = now;
        values.debounce_started_at = null;
      } else {
        values.next_run_at = now + debounce.delay;
        values.debounce_started_at = started;
      }
    }
    return rowToJob<DATA>(this.#updateOwned(existing.id, values, existing.name)!);
  }

  #insert(props: JobParameters, by: string | null): AgendaJobRow {
    const row = jobToRow(randomUUID(), props, by);
    return this.#connection
      .statement<AgendaJobRow>(
        `INSERT INTO agenda_jobs (${ALL_COLUMNS.join(', ')}) VALUES (${ALL_COLUMNS.map((c) => `@${c}`).join(', ')}) RETURNING *`,
      )
      .get(row)!;
  }

  #updateOwned(id: string, values: AgendaJobRow, name: string): AgendaJobRow | undefined {
    return this.#connection
      .statement<AgendaJobRow>(
        `UPDATE agenda_jobs SET ${OWNER_COLUMNS.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id AND name = @name RETURNING *`,
      )
      .get({ ...Object.fromEntries(OWNER_COLUMNS.map((c) => [c, values[c]])), id, name });
  }

  async #setDisabled(options: RemoveJobsOptions, disabled: boolean): Promise<number> {
    const where = jobFilter(options);
    if (where === null) return 0;
    where.conditions.push('disabled = ?');
    where.params.push(disabled ? 0 : 1);
    return this.#connection.write(
      () => this.#connection.db.prepare(`UPDATE agenda_jobs SET disabled = ? ${whereSql(where)}`).run(disabled ? 1 : 0, ...where.params).changes,
    );
  }

  #select(where: Where, order: string): Promise<AgendaJobRow[]> {
    return this.#connection.read(() =>
      this.#connection.db.prepare<unknown[], AgendaJobRow>(`SELECT * FROM agenda_jobs ${whereSql(where)} ORDER BY ${order}`).all(...where.params),
    );
  }
}
