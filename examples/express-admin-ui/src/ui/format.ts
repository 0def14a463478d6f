/** Shared wording and orderings. */
import type { EventRecord, EventState } from '@nexomatic/core';

/** Event states in their lifecycle order. */
export const EVENT_STATES_IN_ORDER: readonly EventState[] = ['QUEUED', 'RUNNING', 'SUCCESS', 'WARNING', 'ERROR'];

/** Whether an event is finished (its state will not change again). */
export const isFinished = (event: Pick<EventRecord, 'state'>) => event.state === 'SUCCESS' || event.state === 'WARNING' || event.state === 'ERROR';

/** How long an event ran, in words, or an em dash. */
export function duration(event: Pick<EventRecord, 'startedAt' | 'finishedAt'>): string {
  if (!event.startedAt) return '—';
  const end = event.finishedAt ? Date.parse(event.finishedAt) : Date.now();
  const ms = Math.max(0, end - Date.parse(event.startedAt));
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}
