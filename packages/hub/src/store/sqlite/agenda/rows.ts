import { toJobId, type JobParameters } from 'agenda';

/** A row of the `agenda_jobs` table (schema version 6). */
export interface AgendaJobRow {
  id: string;
  name: string;
  priority: number;
  next_run_at: number | null;
  type: 'normal' | 'single';
  locked_at: number | null;
  last_run_at: number | null;
  last_finished_at: number | null;
  failed_at: number | null;
  fail_count: number | null;
  fail_reason: string | null;
  repeat_interval: string | null;
  repeat_timezone: string | null;
  repeat_at: string | null;
  data: string;
  disabled: number;
  progress: number | null;
  fork: number;
  last_modified_by: string | null;
  debounce_started_at: number | null;
  start_date: number | null;
  end_date: number | null;
  skip_days: string | null;
}

/** Job fields that live in columns, by their `JobParameters` name. */
export const COLUMNS: Readonly<Record<string, string>> = {
  _id: 'id',
  name: 'name',
  priority: 'priority',
  nextRunAt: 'next_run_at',
  type: 'type',
  lockedAt: 'locked_at',
  lastRunAt: 'last_run_at',
  lastFinishedAt: 'last_finished_at',
  failedAt: 'failed_at',
  failCount: 'fail_count',
  failReason: 'fail_reason',
  repeatInterval: 'repeat_interval',
  repeatTimezone: 'repeat_timezone',
  repeatAt: 'repeat_at',
  disabled: 'disabled',
  progress: 'progress',
  fork: 'fork',
  lastModifiedBy: 'last_modified_by',
  debounceStartedAt: 'debounce_started_at',
  startDate: 'start_date',
  endDate: 'end_date',
};

/** Milliseconds of a date (agenda may hand over a Date or, after a JSON round trip, a string), or null. */
export function ms(value: Date | string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const time = value instanceof Date ? value.getTime() : new Date(value).getTime();
  return Number.isNaN(time) ? null : time;
}

const date = (value: number | null): Date | undefined => (value === null ? undefined : new Date(value));

/** The job a row holds; absent fields are `undefined`, as agenda's own backends return them. */
export function rowToJob<DATA = unknown>(row: AgendaJobRow): JobParameters<DATA> {
  return {
    _id: toJobId(row.id),
    name: row.name,
    priority: row.priority,
    nextRunAt: row.next_run_at === null ? null : new Date(row.next_run_at),
    type: row.type,
    data: JSON.parse(row.data) as DATA,
    lockedAt: date(row.locked_at),
    lastRunAt: date(row.last_run_at),
    lastFinishedAt: date(row.last_finished_at),
    failedAt: date(row.failed_at),
    failCount: row.fail_count ?? undefined,
    failReason: row.fail_reason ?? undefined,
    repeatInterval: row.repeat_interval === null ? undefined : (JSON.parse(row.repeat_interval) as string | number),
    repeatTimezone: row.repeat_timezone ?? undefined,
    repeatAt: row.repeat_at ?? undefined,
    disabled: row.disabled === 1,
    progress: row.progress ?? undefined,
    fork: row.fork === 1 ? true : undefined,
    lastModifiedBy: row.last_modified_by ?? undefined,
    debounceStartedAt: date(row.debounce_started_at),
    startDate: date(row.start_date),
    endDate: date(row.end_date),
    skipDays: row.skip_days === null ? undefined : (JSON.parse(row.skip_days) as number[]),
  };
}

/** The column values of a job, for an insert: every field it carries. */
export function jobToRow(id: string, job: JobParameters, lastModifiedBy: string | null): AgendaJobRow {
  return {
    id,
    name: job.name,
    priority: job.priority ?? 0,
    next_run_at: ms(job.nextRunAt),
    type: job.type === 'single' ? 'single' : 'normal',
    locked_at: ms(job.lockedAt),
    last_run_at: ms(job.lastRunAt),
    last_finished_at: ms(job.lastFinishedAt),
    failed_at: ms(job.failedAt),
    fail_count: job.failCount ?? null,
    fail_reason: job.failReason ?? null,
    repeat_interval: job.repeatInterval === undefined || job.repeatInterval === null ? null : JSON.stringify(job.repeatInterval),
    repeat_timezone: job.repeatTimezone ?? null,
    repeat_at: job.repeatAt ?? null,
    data: JSON.stringify(job.data ?? null),
    disabled: job.disabled === true ? 1 : 0,
    progress: job.progress ?? null,
    fork: job.fork === true ? 1 : 0,
    last_modified_by: lastModifiedBy,
    debounce_started_at: ms(job.debounceStartedAt),
    start_date: ms(job.startDate),
    end_date: ms(job.endDate),
    skip_days: job.skipDays === undefined ? null : JSON.stringify(job.skipDays),
  };
}

/**
 * The columns a save of an existing job writes: what the job's owner sets, never the fields the
 * job processor manages (`lockedAt`, `lastRunAt`, `lastFinishedAt`, `failedAt`, `failCount`,
 * `failReason`, `progress`), so a save by user code cannot undo a lock or a run.
 */
export const OWNER_COLUMNS = [
  'priority',
  'next_run_at',
  'type',
  'repeat_interval',
  'repeat_timezone',
  'repeat_at',
  'data',
  'disabled',
  'fork',
  'last_modified_by',
  'debounce_started_at',
  'start_date',
  'end_date',
  'skip_days',
] as const satisfies ReadonlyArray<keyof AgendaJobRow>;

/** Every column, in table order, for inserts. */
export const ALL_COLUMNS = [
  'id',
  'name',
  'priority',
  'next_run_at',
  'type',
  'locked_at',
  'last_run_at',
  'last_finished_at',
  'failed_at',
  'fail_count',
  'fail_reason',
  'repeat_interval',
  'repeat_timezone',
  'repeat_at',
  'data',
  'disabled',
  'progress',
  'fork',
  'last_modified_by',
  'debounce_started_at',
  'start_date',
  'end_date',
  'skip_days',
] as const satisfies ReadonlyArray<keyof AgendaJobRow>;
