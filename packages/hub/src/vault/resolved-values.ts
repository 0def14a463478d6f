import { SecretMask, maskReport, type Report } from '@nexomatic/core';

/**
 * The secret values the hub resolved for each running task attempt, kept in memory only, so the
 * hub can mask them in that attempt's reports before storing them. An attempt's values are
 * dropped when it settles. (After a hub restart the sink's own masking still applies.)
 */
export class ResolvedValues {
  private readonly byAttempt = new Map<string, SecretMask>();

  /** Remembers a value resolved for `(eventId, attempt)`. */
  remember(eventId: string, attempt: number, value: string): void {
    const key = `${eventId}:${attempt}`;
    let mask = this.byAttempt.get(key);
    if (!mask) this.byAttempt.set(key, (mask = new SecretMask()));
    mask.add(value);
  }

  /** A report with the values of its attempt masked (the same report when there are none). */
  mask(report: Report): Report {
    const key = report.kind === 'log' ? `${report.record.eventId}:${report.record.attempt}` : `${report.eventId}:${report.attempt}`;
    const mask = this.byAttempt.get(key);
    return mask ? maskReport(report, mask) : report;
  }

  /** Forgets the values of a settled attempt (`eventId:attempt`). */
  forget(attemptKey: string): void {
    this.byAttempt.delete(attemptKey);
  }

  /** How many attempts have values remembered. */
  get size(): number {
    return this.byAttempt.size;
  }
}
