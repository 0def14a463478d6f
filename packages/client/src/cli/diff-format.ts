/** Definitions diffs in words, for `nexomatic definitions diff|apply`. */
import type { DefinitionKind } from '@nexomatic/core';
import type { DefinitionsDiff } from '../types.js';

type FieldChange = DefinitionsDiff['kinds'][DefinitionKind]['updated'][number]['changes'][number];

/** The kinds in the order a diff lists them, with their names in the vocabulary. */
export const KIND_LABELS: ReadonlyArray<readonly [DefinitionKind, string]> = [
  ['sinkType', 'Sink Types'],
  ['action', 'Actions'],
  ['eventType', 'Event Types'],
  ['source', 'Sources'],
  ['schedule', 'Schedules'],
];

/** One changed field in words: `timeoutMs: 600000 -> 30000`. */
export function describeFieldChange(c: FieldChange): string {
  const show = (value: unknown) => JSON.stringify(value);
  if (c.from === undefined) return `${c.field}: added ${show(c.to)}`;
  if (c.to === undefined) return `${c.field}: removed (was ${show(c.from)})`;
  return `${c.field}: ${show(c.from)} -> ${show(c.to)}`;
}

/**
 * A diff as lines: `+` created, `~` updated (with each field), `-` removed, and a count of the
 * unchanged; then what stays although the config leaves it out (without `--prune`).
 */
export function formatDiff(diff: DefinitionsDiff): string {
  const lines: string[] = [];
  const extra: string[] = [];
  for (const [kind, label] of KIND_LABELS) {
    const k = diff.kinds[kind];
    const body = [
      ...k.created.map((name) => `  + ${name}`),
      ...k.updated.flatMap((u) => [`  ~ ${u.name}`, ...u.changes.map((c) => `      ${describeFieldChange(c)}`)]),
      ...k.removed.map((name) => `  - ${name}`),
    ];
    if (k.unchanged.length > 0) body.push(`  = ${k.unchanged.length} unchanged`);
    if (body.length > 0) lines.push(label, ...body);
    extra.push(...k.extra.map((name) => `${kind} ${name}`));
  }
  for (const kept of diff.kept) lines.push(`kept: ${kept.kind} ${kept.name} (${kept.reason})`);
  if (extra.length > 0) lines.push(`on the hub but not in the config (kept; --prune removes them): ${extra.join(', ')}`);
  lines.push(diff.changed ? 'changes: yes' : 'no changes');
  return `${lines.join('\n')}\n`;
}
