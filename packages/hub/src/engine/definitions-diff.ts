/**
 * What applying definitions would change, kind by kind: which definitions would be created,
 * updated (with the fields that change), left alone, or removed (by a prune). Pure functions; the
 * {@link DefinitionService} reads the store and calls them.
 */
import type { DefinitionKind, Json } from '@nexomatic/core';

/** One field of a definition that an apply would change; `from` / `to` are absent for an added / dropped field. */
export interface FieldChange {
  /** The field's path, e.g. `retry.maxAttempts` or `parameters[0].value`. */
  field: string;
  from?: Json;
  to?: Json;
}

/** A definition an apply would update, with every field that changes. */
export interface UpdatedDefinition {
  name: string;
  changes: FieldChange[];
}

/** What an apply would do to the definitions of one kind. */
export interface KindDiff {
  created: string[];
  updated: UpdatedDefinition[];
  unchanged: string[];
  /** Stored definitions absent from the input: removed by a prune, else left alone (and listed in `extra`). */
  removed: string[];
  /** Stored definitions absent from the input that stay, because no prune was asked for. */
  extra: string[];
}

/** What applying a set of definitions would change, per kind, and whether anything would. */
export interface DefinitionsDiff {
  kinds: Record<DefinitionKind, KindDiff>;
  /** True when an apply (with the same `prune`) would create, update or remove anything. */
  changed: boolean;
  /** Stored definitions a prune keeps anyway, and why (a Sink Type other tenants' Event Types use). */
  kept: Array<{ kind: DefinitionKind; name: string; reason: string }>;
}

/** The kinds in the order an apply writes them (referenced kinds first); a prune removes in reverse. */
export const APPLY_ORDER: readonly DefinitionKind[] = ['sinkType', 'action', 'eventType', 'source', 'schedule'];

/** An empty diff. */
export function emptyDiff(): DefinitionsDiff {
  const kinds = Object.fromEntries(
    APPLY_ORDER.map((kind) => [kind, { created: [], updated: [], unchanged: [], removed: [], extra: [] } satisfies KindDiff]),
  ) as unknown as Record<DefinitionKind, KindDiff>;
  return { kinds, changed: false, kept: [] };
}

/** A definition as plain JSON, without the fields code never writes (a Source's hub-made `token`). */
export function comparable(kind: DefinitionKind, spec: object): Json {
  const plain = JSON.parse(JSON.stringify(spec)) as Record<string, Json>;
  if (kind === 'source') delete plain.token;
  return plain;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function same(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same(a[k], b[k]));
  }
  return false;
}

function change(field: string, from: Json | undefined, to: Json | undefined): FieldChange {
  return { field, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/**
 * The fields that differ between two JSON values, deepest first: objects are compared key by key,
 * arrays of the same length element by element, anything else as a whole.
 */
export function fieldChanges(from: Json | undefined, to: Json | undefined, path = ''): FieldChange[] {
  if (same(from, to)) return [];
  if (isObject(from) && isObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((key) => fieldChanges(from[key], to[key], path ? `${path}.${key}` : key));
  }
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    return from.flatMap((value, i) => fieldChanges(value, to[i], `${path}[${i}]`));
  }
  return [change(path || '(whole definition)', from, to)];
}

/** One change in words: `timeoutMs: 600000 -> 30000`, `description: added "..."`. */
export function describeFieldChange(c: FieldChange): string {
  const show = (value: Json | undefined) => JSON.stringify(value);
  if (c.from === undefined) return `${c.field}: added ${show(c.to)}`;
  if (c.to === undefined) return `${c.field}: removed (was ${show(c.from)})`;
  return `${c.field}: ${show(c.from)} -> ${show(c.to)}`;
}
