import { backoffDelay, isRetryable, type EventRecord, type ResultReport } from '@nexomatic/core';
import type { Span } from '@opentelemetry/api';
import type { Completion } from '../store/port.js';
import { followOns } from './chaining.js';
import { childOf, endSpan, startCompleteSpan, startFireSpan } from './tracing.js';
import type { EngineContext } from './context.js';
import { attemptKey, taskKey } from './session.js';

/** An outcome to record: what a sink reported, or what the hub decided (lost sink, timeout, bad parameters). */
export type Outcome = Pick<ResultReport, 'outcome' | 'result' | 'error' | 'warnings'>;

/** An attempt and how it ended. */
interface Settlement {
  event: EventRecord;
  outcome: Outcome;
}

/**
 * Settles task attempts. A failed attempt that its Event Type's retry policy allows to retry goes
 * back to the queue after an exponential backoff (`notBefore`); every other outcome finishes the
 * event, with its follow-on events, in one store call that applies each `(eventId, attempt)` at
 * most once. Every settled attempt frees its sink's credit, whether or not it applied (an attempt the
 * sink reported frees it as soon as the report arrives).
 */
export class Completer {
  /** Called for every settled attempt, with the sink that held it. */
  onSettled: (sinkId: string | null, key: string) => void = () => {};
  /** The event of a task a sink holds on this hub, as claimed; undefined when unknown here. */
  claimed: (sinkId: string, key: string) => EventRecord | undefined = () => undefined;
  /** Called when new work became claimable: follow-ons now, or a retry at `at`. */
  onWork: (at: number) => void = () => {};

  constructor(private readonly ctx: EngineContext) {}

  /** Records the results a sink reported, in one batch. Reports for attempts the sink does not hold are ignored. */
  async results(sinkId: string, reports: readonly ResultReport[]): Promise<void> {
    // A task this hub sent settles from its event as claimed, without reading it back: the store's
    // completion and release apply only while that attempt is still RUNNING, so a stale copy (a
    // lease expired meanwhile) changes nothing. Others (sent by another hub) are read.
    const events = await Promise.all(
      reports.map((r) => this.claimed(sinkId, taskKey(r)) ?? this.ctx.store.events.get(r.eventId, null)),
    );
    const batch: Settlement[] = [];
    for (const [i, report] of reports.entries()) {
      const event = events[i];
      const holds = event && event.sinkId === sinkId && event.attempt === report.attempt && event.state === 'RUNNING';
      if (holds) batch.push({ event, outcome: report });
      // The sink's slot is free once it reports: free the credit now, not after the commit, so the
      // dispatch pass it wakes claims the next tasks at once; the claim commits ahead of these
      // completions and its tasks leave while they are written (see GroupCommit and
      // bench/README.md). Settling frees it again, harmlessly.
      this.onSettled(sinkId, taskKey(report));
    }
    await this.settle(batch);
  }

  /** Settles one attempt the hub decided on; true when it applied. */
  async finish(event: EventRecord, outcome: Outcome): Promise<boolean> {
    const [applied] = await this.settle([{ event, outcome }]);
    return applied ?? false;
  }

  /** Settles attempts: retries what the policy allows, finishes the rest. True for each that applied. */
  async settle(batch: readonly Settlement[]): Promise<boolean[]> {
    const now = Date.now();
    const retries: Array<Settlement & { at: number }> = [];
    const finals: Settlement[] = [];
    for (const item of batch) {
      const at = await this.retryAt(item, now);
      if (at === null) finals.push(item);
      else retries.push({ ...item, at });
    }
    const retried = await this.retry(retries);
    const finished = await this.finishAll(finals);
    const applied = new Map<Settlement, boolean>();
    retries.forEach((item, i) => applied.set(item, retried[i] ?? false));
    finals.forEach((item, i) => applied.set(item, finished[i] ?? false));
    return batch.map((item) => applied.get(item) ?? false);
  }

  /**
   * Keeps the error of each failed attempt that applied as a Log record of that attempt (see
   * `LogService.attemptError`), so a retried event's earlier errors stay visible. A failure here
   * is logged, never undoes the settlement.
   */
  private async keepErrors(applied: readonly Settlement[], at: Date): Promise<void> {
    // In parallel, so the store commits them together.
    await Promise.all(
      applied
        .filter(({ outcome }) => outcome.outcome === 'ERROR')
        .map(({ event, outcome }) =>
          this.ctx.logs.attemptError(event.tenantId, event.id, event.attempt, outcome.error, at).catch((error: unknown) =>
            this.ctx.logger.warn('could not keep the error of a failed attempt in its log', { eventId: event.id, attempt: event.attempt, error: String(error) }),
          ),
        ),
    );
  }

  /** When a failed attempt may be tried again under its Event Type's policy, or null. */
  private async retryAt({ event, outcome }: Settlement, now: number): Promise<number | null> {
    if (outcome.outcome !== 'ERROR' || event.attempt >= event.maxAttempts) return null;
    const eventType = await this.ctx.store.definitions.get(event.tenantId, 'eventType', event.eventType);
    if (!eventType || !isRetryable(eventType.retry, outcome.error)) return null;
    return now + backoffDelay(eventType.retry.backoff, event.attempt);
  }

  private async retry(retries: ReadonlyArray<Settlement & { at: number }>): Promise<boolean[]> {
    if (retries.length === 0) return [];
    const spans = retries.map(({ event, outcome }) => startCompleteSpan(event, outcome, true));
    let applied: boolean[];
    try {
      applied = await this.ctx.store.events.release(
        retries.map(({ event, at }) => ({ eventId: event.id, attempt: event.attempt, notBefore: new Date(at) })),
      );
    } catch (error) {
      for (const span of spans) endSpan(span, error);
      throw error;
    }
    const now = new Date();
    await this.keepErrors(retries.filter((_, i) => applied[i]), now);
    for (const [i, { event, outcome, at }] of retries.entries()) {
      endSpan(spans[i]!.setAttribute('nexomatic.applied', applied[i] ?? false));
      if (applied[i]) {
        this.ctx.metrics?.ran(event, outcome.outcome, now);
        this.ctx.logger.warn('attempt failed; retrying', {
          eventId: event.id,
          attempt: event.attempt,
          code: outcome.error?.code,
          retryInMs: at - Date.now(),
        });
        this.onWork(at);
      }
      this.onSettled(event.sinkId, attemptKey(event));
    }
    return applied;
  }

  private async finishAll(batch: readonly Settlement[]): Promise<boolean[]> {
    if (batch.length === 0) return [];
    const now = new Date();
    const completions: Completion[] = [];
    const spans: Span[] = [];
    const followOnSpans: Span[][] = [];
    for (const { event, outcome } of batch) {
      const span = startCompleteSpan(event, outcome, false);
      spans.push(span);
      const next = await followOns(this.ctx.definitions, event, outcome, this.ctx.options.maxChainDepth, now, this.ctx.logger);
      // Follow-ons join the parent's trace, as children of its `complete` span.
      followOnSpans.push(next.map((followOn) => startFireSpan(followOn, childOf(span))));
      completions.push({
        eventId: event.id,
        attempt: event.attempt,
        outcome: outcome.outcome,
        result: outcome.result,
        error: outcome.error,
        warnings: outcome.warnings,
        finishedAt: now,
        followOns: next,
      });
    }
    let applied: boolean[];
    try {
      applied = await this.ctx.store.events.complete(completions);
    } catch (error) {
      for (const span of spans) endSpan(span, error);
      throw error;
    }
    // Before this hub's waiters are woken, so they find the last attempt's error in its log.
    await this.keepErrors(batch.filter((_, i) => applied[i]), now);
    for (const [i, { event }] of batch.entries()) {
      if (applied[i]) {
        this.ctx.notifier.finished(event);
        this.recordFinished(event, completions[i]!, followOnSpans[i]!);
      }
      endSpan(spans[i]!.setAttribute('nexomatic.applied', applied[i] ?? false));
      this.onSettled(event.sinkId, attemptKey(event));
    }
    if (completions.some((c, i) => applied[i] && c.followOns.length > 0)) this.onWork(now.getTime());
    return applied;
  }

  /**
   * Records an applied completion: its follow-ons' `fire` spans end (those of a completion that did
   * not apply never end, so they are never exported) and the metrics count it.
   */
  private recordFinished(event: EventRecord, completion: Completion, followOnSpans: readonly Span[]): void {
    for (const span of followOnSpans) endSpan(span);
    const metrics = this.ctx.metrics;
    if (!metrics) return;
    metrics.ran(event, completion.outcome, completion.finishedAt);
    metrics.finished(event, completion.outcome);
    metrics.eventsFired(completion.followOns);
  }

  /** Settles the attempts whose lease ran out: `ERROR` with code `SINK_LOST`, then the retry policy. */
  async expireLeases(now: Date): Promise<number> {
    const expired = await this.ctx.store.events.expiredLeases(now, 500);
    for (const event of expired) {
      this.ctx.logger.warn('lease expired', { eventId: event.id, attempt: event.attempt, sinkId: event.sinkId });
    }
    await this.settle(expired.map((event) => ({ event, outcome: failure('SINK_LOST', `sink ${event.sinkId} stopped renewing its lease`) })));
    return expired.length;
  }

  /**
   * Settles the attempts that ran past their timeout and the grace for the sink's own report:
   * `ERROR` with code `TIMEOUT`, then the retry policy. Returns them, so the caller can tell their
   * sinks to kill them.
   */
  async expireDeadlines(now: Date): Promise<EventRecord[]> {
    const overdue = await this.ctx.store.events.overdue(new Date(now.getTime() - this.ctx.options.timeoutGraceMs), 500);
    await this.settle(overdue.map((event) => ({ event, outcome: failure('TIMEOUT', `the task ran longer than its timeout of ${event.timeoutMs} ms`) })));
    return overdue;
  }
}

/** An `ERROR` outcome decided by the hub. */
export function failure(code: string, message: string): Outcome {
  return { outcome: 'ERROR', result: null, error: { code, message }, warnings: [] };
}
