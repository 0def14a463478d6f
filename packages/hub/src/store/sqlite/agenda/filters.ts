import type { JobsQueryOptions, JobsSort, RemoveJobsOptions } from 'agenda';
import { COLUMNS, ms } from './rows.js';

/** A SQL condition list with its parameters, joined by AND. */
export interface Where {
  conditions: string[];
  params: unknown[];
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null);

/** A JSON path (`$."a"."b"`) for a list of keys; a key holding `"` is refused. */
function jsonPath(keys: readonly string[]): string {
  for (const key of keys) if (key.includes('"')) throw new Error(`a job data key may not contain '"': ${key}`);
  return `$${keys.map((key) => `."${key}"`).join('')}`;
}

/** One equality on a value inside `data`, exact in JSON type (a string "1" never equals the number 1). */
function dataLeaf(keys: readonly string[], value: unknown, into: Where): void {
  const path = jsonPath(keys);
  if (value instanceof Date) value = value.toISOString();
  if (value === null || value === undefined) {
    into.conditions.push(`coalesce(json_type(data, ?), 'null') = 'null'`);
    into.params.push(path);
  } else if (typeof value === 'boolean') {
    into.conditions.push('json_type(data, ?) = ?');
    into.params.push(path, value ? 'true' : 'false');
  } else if (typeof value === 'number') {
    into.conditions.push(`json_type(data, ?) IN ('integer', 'real') AND json_extract(data, ?) = ?`);
    into.params.push(path, path, value);
  } else if (typeof value === 'string') {
    into.conditions.push(`json_type(data, ?) = 'text' AND json_extract(data, ?) = ?`);
    into.params.push(path, path, value);
  } else {
    into.conditions.push(`json_type(data, ?) = ? AND json_extract(data, ?) = json(?)`);
    into.params.push(path, Array.isArray(value) ? 'array' : 'object', path, JSON.stringify(value));
  }
}

/**
 * Conditions matching job `data` the way agenda's backends do: a plain object matches partially,
 * key by key (nested objects by their own keys); anything else matches the whole of `data`.
 */
export function matchData(data: unknown, into: Where, prefix: readonly string[] = []): void {
  if (prefix.length === 0 && !isPlainObject(data)) {
    into.conditions.push('data = json(?)');
    into.params.push(JSON.stringify(data ?? null));
    return;
  }
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (key.startsWith('$')) throw new Error(`query operators such as ${key} are not supported on job data`);
    if (isPlainObject(value)) matchData(value, into, [...prefix, key]);
    else dataLeaf([...prefix, key], value, into);
  }
}

/**
 * Conditions for agenda's `unique()` query: keys are job field paths (`name`, `data.userId`,
 * `data.a.b`), values are matched by equality. Query operators (`$gt`, ...) are refused.
 */
export function matchUnique(unique: Record<string, unknown>, into: Where): void {
  for (const [key, value] of Object.entries(unique)) {
    if (key.startsWith('$') || (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$')))) {
      throw new Error(`unique() supports equality only; "${key}" uses a query operator`);
    }
    if (key === 'data') {
      matchData(value, into);
    } else if (key.startsWith('data.')) {
      const keys = key.slice('data.'.length).split('.');
      if (isPlainObject(value)) matchData(value, into, keys);
      else dataLeaf(keys, value, into);
    } else {
      const column = COLUMNS[key];
      if (column === undefined) throw new Error(`unique() key "${key}" is not a job field`);
      if (value === null || value === undefined) {
        into.conditions.push(`${column} IS NULL`);
      } else {
        into.conditions.push(`${column} = ?`);
        into.params.push(value instanceof Date ? ms(value) : typeof value === 'boolean' ? (value ? 1 : 0) : value);
      }
    }
  }
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** The conditions of agenda's remove / disable / enable options; null when they name nothing. */
export function jobFilter(options: RemoveJobsOptions): Where | null {
  const where: Where = { conditions: [], params: [] };
  if (options.id !== undefined && options.id !== null && String(options.id) !== '') {
    where.conditions.push('id = ?');
    where.params.push(String(options.id));
  } else if (Array.isArray(options.ids) && options.ids.length > 0) {
    where.conditions.push(`id IN (${placeholders(options.ids.length)})`);
    where.params.push(...options.ids.map(String));
  }
  if (typeof options.name === 'string' && options.name !== '') {
    where.conditions.push('name = ?');
    where.params.push(options.name);
  } else if (Array.isArray(options.names) && options.names.length > 0) {
    where.conditions.push(`name IN (${placeholders(options.names.length)})`);
    where.params.push(...options.names);
  } else if (Array.isArray(options.notNames) && options.notNames.length > 0) {
    where.conditions.push(`name NOT IN (${placeholders(options.notNames.length)})`);
    where.params.push(...options.notNames);
  }
  if (options.data !== undefined) matchData(options.data, where);
  return where.conditions.length === 0 ? null : where;
}

/** The conditions of a jobs query, before the state filter (computed from each job's fields). */
export function queryFilter(options: JobsQueryOptions): Where {
  const where: Where = { conditions: [], params: [] };
  if (options.name) {
    where.conditions.push('name = ?');
    where.params.push(options.name);
  } else if (options.names && options.names.length > 0) {
    where.conditions.push(`name IN (${placeholders(options.names.length)})`);
    where.params.push(...options.names);
  }
  if (options.id) {
    where.conditions.push('id = ?');
    where.params.push(options.id);
  } else if (options.ids && options.ids.length > 0) {
    where.conditions.push(`id IN (${placeholders(options.ids.length)})`);
    where.params.push(...options.ids);
  }
  if (options.search) {
    // LIKE is case-insensitive for ASCII; the search text is literal.
    where.conditions.push(`name LIKE ? ESCAPE '\\'`);
    where.params.push(`%${options.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  if (options.data !== undefined) matchData(options.data, where);
  if (options.includeDisabled === false) where.conditions.push('disabled = 0');
  return where;
}

const SORT_COLUMNS: Record<keyof JobsSort, string> = {
  nextRunAt: 'next_run_at',
  lastRunAt: 'last_run_at',
  lastFinishedAt: 'last_finished_at',
  priority: 'priority',
  name: 'name',
  data: 'data',
};

/** The ORDER BY of a jobs query; by default newest `nextRunAt`, then `lastRunAt`, first (as agenda's MongoDB backend). */
export function orderBy(sort: JobsSort | undefined): string {
  const parts = Object.entries(sort ?? {})
    .filter(([key, dir]) => key in SORT_COLUMNS && (dir === 'asc' || dir === 'desc'))
    .map(([key, dir]) => `${SORT_COLUMNS[key as keyof JobsSort]} ${dir === 'asc' ? 'ASC' : 'DESC'}`);
  return [...(parts.length > 0 ? parts : ['next_run_at DESC', 'last_run_at DESC']), 'id'].join(', ');
}

/** `WHERE ...` for a condition list, or an empty string. */
export function whereSql(where: Where): string {
  return where.conditions.length === 0 ? '' : `WHERE ${where.conditions.map((c) => `(${c})`).join(' AND ')}`;
}
