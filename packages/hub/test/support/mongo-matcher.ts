/**
 * A tiny in-memory evaluator of the MongoDB query, update and aggregation operators the MongoDB
 * store uses, so its pure filter/update/pipeline builders can be checked for meaning (not only
 * shape) without a server. It follows the server's rules for the cases the store relies on:
 * equality to null matches a missing field, comparisons only match values of the same type,
 * `$in` with null matches a missing field, dates and ObjectIds compare by value. Anything else
 * throws, so a builder that starts using a new operator fails here loudly until it is added.
 */
import { ObjectId } from 'mongodb';

type Doc = Record<string, unknown>;

function get(doc: unknown, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Doc)[part];
  }
  return value;
}

function kind(value: unknown): string {
  if (value instanceof Date) return 'date';
  if (value instanceof ObjectId) return 'objectId';
  if (value === null || value === undefined) return 'null';
  return typeof value;
}

/** Compares two values of the same kind; NaN when they cannot be compared. */
export function compare(a: unknown, b: unknown): number {
  if (kind(a) !== kind(b)) return Number.NaN;
  if (a instanceof Date) return a.getTime() - (b as Date).getTime();
  if (a instanceof ObjectId) return a.toHexString().localeCompare((b as ObjectId).toHexString());
  if (typeof a === 'number') return a - (b as number);
  if (typeof a === 'string') return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (a === null || a === undefined) return 0;
  throw new Error(`cannot compare ${kind(a)}`);
}

function equal(value: unknown, wanted: unknown): boolean {
  if (wanted === null) return value === null || value === undefined;
  if (Array.isArray(value) && !Array.isArray(wanted)) return value.some((item) => equal(item, wanted));
  return compare(value, wanted) === 0;
}

function matchesCondition(value: unknown, condition: unknown): boolean {
  const isOperatorObject =
    condition !== null && typeof condition === 'object' && !(condition instanceof Date) && !(condition instanceof ObjectId) && !Array.isArray(condition) &&
    Object.keys(condition).length > 0 && Object.keys(condition).every((key) => key.startsWith('$'));
  if (!isOperatorObject) return equal(value, condition);
  return Object.entries(condition as Doc).every(([op, arg]) => {
    switch (op) {
      case '$eq':
        return equal(value, arg);
      case '$ne':
        return !equal(value, arg);
      case '$gt':
        return compare(value, arg) > 0;
      case '$gte':
        return compare(value, arg) >= 0;
      case '$lt':
        return compare(value, arg) < 0;
      case '$lte':
        return compare(value, arg) <= 0;
      case '$in':
        return (arg as unknown[]).some((item) => equal(value, item));
      case '$exists':
        return (value !== undefined) === arg;
      case '$type':
        if (arg !== 'string') throw new Error(`$type ${String(arg)} not supported`);
        return typeof value === 'string';
      case '$regex':
        return typeof value === 'string' && new RegExp(arg as string).test(value);
      default:
        throw new Error(`query operator ${op} not supported`);
    }
  });
}

/** Whether a document matches a query filter. */
export function matches(doc: Doc, filter: Doc): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$or') return (condition as Doc[]).some((inner) => matches(doc, inner));
    if (key === '$and') return (condition as Doc[]).every((inner) => matches(doc, inner));
    if (key.startsWith('$')) throw new Error(`top-level ${key} not supported`);
    return matchesCondition(get(doc, key), condition);
  });
}

/** Evaluates an aggregation expression against a document. */
export function evaluate(expression: unknown, doc: Doc): unknown {
  if (typeof expression === 'string') return expression.startsWith('$') ? get(doc, expression.slice(1)) : expression;
  if (expression === null || typeof expression !== 'object' || expression instanceof Date || expression instanceof ObjectId) return expression;
  if (Array.isArray(expression)) return expression.map((item) => evaluate(item, doc));
  const entries = Object.entries(expression as Doc);
  const [op, arg] = entries[0] ?? [];
  if (entries.length === 1 && op !== undefined && op.startsWith('$')) {
    const args = () => (arg as unknown[]).map((item) => evaluate(item, doc));
    switch (op) {
      case '$literal':
        return arg;
      case '$add': {
        const values = args();
        const date = values.find((value) => value instanceof Date) as Date | undefined;
        const sum = values.reduce<number>((total, value) => total + (value instanceof Date ? value.getTime() : (value as number)), 0);
        return date === undefined ? sum : new Date(sum);
      }
      case '$cond': {
        const [test, then, otherwise] = arg as unknown[];
        return evaluate(test, doc) ? evaluate(then, doc) : evaluate(otherwise, doc);
      }
      case '$gt': {
        const [a, b] = args();
        return compare(a, b) > 0;
      }
      case '$eq': {
        const [a, b] = args();
        return compare(a, b) === 0;
      }
      case '$ifNull': {
        const [a, b] = args();
        return a === null || a === undefined ? b : a;
      }
      default:
        throw new Error(`expression operator ${op} not supported`);
    }
  }
  return Object.fromEntries(entries.map(([key, value]) => [key, evaluate(value, doc)]));
}

/** Applies an update (operators or a `$set` pipeline) to a copy of a document. */
export function applyUpdate<T extends Doc>(doc: T, update: Doc | Doc[], inserting = false): T {
  const next: Doc = { ...doc };
  if (Array.isArray(update)) {
    for (const stage of update) {
      const [name, spec] = Object.entries(stage)[0]!;
      if (name !== '$set') throw new Error(`update stage ${name} not supported`);
      const values = Object.entries(spec as Doc).map(([key, expression]) => [key, evaluate(expression, next)] as const);
      for (const [key, value] of values) next[key] = value;
    }
    return next as T;
  }
  for (const [op, spec] of Object.entries(update)) {
    for (const [key, value] of Object.entries(spec as Doc)) {
      if (op === '$set') next[key] = value;
      else if (op === '$unset') delete next[key];
      else if (op === '$inc') next[key] = ((next[key] as number | undefined) ?? 0) + (value as number);
      else if (op === '$setOnInsert') {
        if (inserting) next[key] = value;
      } else throw new Error(`update operator ${op} not supported`);
    }
  }
  return next as T;
}

/** Sorts documents by a sort specification. */
export function sortBy<T extends Doc>(docs: readonly T[], sort: Record<string, 1 | -1>): T[] {
  return [...docs].sort((a, b) => {
    for (const [key, direction] of Object.entries(sort)) {
      const order = compare(get(a, key), get(b, key));
      if (order !== 0 && !Number.isNaN(order)) return order * direction;
    }
    return 0;
  });
}

function accumulate(op: string, expression: unknown, group: readonly Doc[]): unknown {
  const values = group.map((doc) => evaluate(expression, doc));
  switch (op) {
    case '$sum':
      return values.reduce<number>((total, value) => total + (typeof value === 'number' ? value : 0), 0);
    case '$max':
    case '$min': {
      const present = values.filter((value) => value !== null && value !== undefined);
      if (present.length === 0) return null;
      return present.reduce((best, value) => (compare(value, best) * (op === '$max' ? 1 : -1) > 0 ? value : best));
    }
    default:
      throw new Error(`accumulator ${op} not supported`);
  }
}

/** Runs an aggregation pipeline of `$match`, `$group`, `$sort`, `$limit` and `$project` stages. */
export function aggregate(docs: readonly Doc[], pipeline: readonly Doc[]): Doc[] {
  let rows: Doc[] = docs.map((doc) => ({ ...doc }));
  for (const stage of pipeline) {
    const [name, spec] = Object.entries(stage)[0]!;
    if (name === '$match') rows = rows.filter((row) => matches(row, spec as Doc));
    else if (name === '$limit') rows = rows.slice(0, spec as number);
    else if (name === '$sort') rows = sortBy(rows, spec as Record<string, 1 | -1>);
    else if (name === '$group') {
      const { _id: key, ...accumulators } = spec as Doc;
      const groups = new Map<string, { id: unknown; rows: Doc[] }>();
      for (const row of rows) {
        const id = evaluate(key, row);
        const groupKey = JSON.stringify(id);
        const group = groups.get(groupKey) ?? { id, rows: [] };
        group.rows.push(row);
        groups.set(groupKey, group);
      }
      rows = [...groups.values()].map(({ id, rows: members }) => ({
        _id: id,
        ...Object.fromEntries(
          Object.entries(accumulators).map(([field, accumulator]) => {
            const [op, expression] = Object.entries(accumulator as Doc)[0]!;
            return [field, accumulate(op, expression, members)];
          }),
        ),
      }));
    } else if (name === '$project') {
      rows = rows.map((row) => {
        const out: Doc = {};
        const entries = Object.entries(spec as Doc);
        if (!entries.some(([key, value]) => key === '_id' && value === 0)) out._id = row._id;
        for (const [key, value] of entries) {
          if (key === '_id' && value === 0) continue;
          out[key] = value === 1 ? row[key] : evaluate(value, row);
        }
        return out;
      });
    } else throw new Error(`pipeline stage ${name} not supported`);
  }
  return rows;
}

/** Finds with filter, sort and limit, like `collection.find`. */
export function find<T extends Doc>(docs: readonly T[], filter: Doc, options: { sort?: Record<string, 1 | -1>; limit?: number } = {}): T[] {
  const found = docs.filter((doc) => matches(doc, filter));
  const sorted = options.sort ? sortBy(found, options.sort) : found;
  return options.limit === undefined || options.limit === 0 ? sorted : sorted.slice(0, options.limit);
}

/** Every key used anywhere in a filter or pipeline, operators included, for "no `$or`"-style checks. */
export function keysOf(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || value instanceof Date || value instanceof ObjectId) return [];
  if (Array.isArray(value)) return value.flatMap(keysOf);
  return Object.entries(value as Doc).flatMap(([key, inner]) => [key, ...keysOf(inner)]);
}
