import type { EventRecord, ResultReport } from '@nexomatic/core';
import type { Completion } from '../store/port.js';
import { followOns } from './chaining.js';
import type { EngineContext } from './context.js';
import { attemptKey, taskKey } from './session.js';

/** An outcome to record: what a sink reported, or what the hub decided (lost sink, bad parameters). */
export type Outcome = Pick<ResultReport, 'outcome' | 'result' | 'error' | 'warnings'>;

/**
 * Finishes task attempts: builds each completion with its follow-on events and hands the batch
 * to the store, which applies each one at most once per `(eventId, attempt)` together with its
 * follow-ons. Every attempt settled here frees its sink's credit, whether or not it applied.
 */
export class Completer {
  /** Called for every settled attempt, with the sink that held it. */
  onSettled: (sinkId: string | null, key: string) => void = () => {};

  constructor(private readonly ctx: EngineContext) {}

  /** Records the results a sink reported, in one batch. Reports for attempts the sink does not hold are ignored. */
  async results(sinkId: string, reports: readonly ResultReport[]): Promise<void> {
    const events = await Promise.all(reports.map((r) => this.ctx.store.events.get(r.eventId, null)));
    const batch: Array<{ event: EventRecord; outcome: Outcome }> = [];
    for (const [i, report] of reports.entries()) {
      const event = events[i];
      const holds = event && event.sinkId === sinkId && event.attempt === report.attempt && event.state === 'RUNNING';
      if (holds) batch.push({ event, outcome: report });
      else this.onSettled(sinkId, taskKey(report));
    }
    await this.finishAll(batch);
  }

  /** Finishes one attempt; true when it applied. */
  async finish(event: EventRecord, outcome: Outcome): Promise<boolean> {
    const [applied] = await this.finishAll([{ event, outcome }]);
    return applied ?? false;
  }

  private async finishAll(batch: ReadonlyArray<{ event: EventRecord; outcome: Outcome }>): Promise<boolean[]> {
    if (batch.length === 0) return [];
    const now = new Date();
    const completions: Completion[] = [];
    for (const { event, outcome } of batch) {
      completions.push({
        eventId: event.id,
        attempt: event.attempt,
        outcome: outcome.outcome,
        result: outcome.result,
        error: outcome.error,
        warnings: outcome.warnings,
        finishedAt: now,
        followOns: await followOns(this.ctx.definitions, event, outcome, this.ctx.options.maxChainDepth, now, this.ctx.logger),
      });
    }
    const applied = await this.ctx.store.events.complete(completions);
    for (const [i, { event }] of batch.entries()) {
      if (applied[i]) this.ctx.notifier.finished(event);
      this.onSettled(event.sinkId, attemptKey(event));
    }
    if (completions.some((c, i) => applied[i] && c.followOns.length > 0)) this.onFollowOns();
    return applied;
  }

  /** Called when completions created follow-on events (wakes the dispatcher). */
  onFollowOns: () => void = () => {};

  /**
   * Ends the leases that ran out: the attempt goes back to the queue when the retry policy allows
   * another, else the event ends `ERROR` with code `SINK_LOST`.
   */
  async expireLeases(now: Date): Promise<number> {
    const expired = await this.ctx.store.events.expiredLeases(now, 500);
    const retry = expired.filter((e) => e.attempt < e.maxAttempts);
    const lost = expired.filter((e) => e.attempt >= e.maxAttempts);
    for (const event of expired) {
      this.ctx.logger.warn('lease expired', { eventId: event.id, attempt: event.attempt, sinkId: event.sinkId, retry: event.attempt < event.maxAttempts });
    }
    if (retry.length > 0) {
      await this.ctx.store.events.release(retry.map((e) => ({ eventId: e.id, attempt: e.attempt, notBefore: null })));
      for (const event of retry) this.onSettled(event.sinkId, attemptKey(event));
    }
    await this.finishAll(
      lost.map((event) => ({
        event,
        outcome: {
          outcome: 'ERROR' as const,
          result: null,
          error: { code: 'SINK_LOST', message: `sink ${event.sinkId} stopped renewing its lease` },
          warnings: [],
        },
      })),
    );
    return expired.length;
  }
}
