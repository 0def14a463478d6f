import type { SinkSession } from './session.js';

/** The ready sessions of one Sink Type, as a dispatch pass walks them. */
export interface ReadyType {
  sinkType: string;
  /** A copy of the ready sessions, in connect order. */
  sessions: SinkSession[];
  /** How many distinct tenant pins (unpinned counting as one) the sessions have. */
  pins: number;
}

interface TypeEntry {
  sessions: SinkSession[];
  /** Ready sessions per tenant pin (null: unpinned). */
  pins: Map<string | null, number>;
}

/**
 * The connected sessions that can take work now (open, not draining, with free credits), per Sink
 * Type, each list in the order the sessions connected. Kept up to date as credits are taken and
 * returned and as statuses change (the sessions report it), so a dispatch pass visits only sinks
 * that can take work instead of every session.
 */
export class ReadySinks {
  private readonly byType = new Map<string, TypeEntry>();
  private readonly order = new Map<SinkSession, number>();
  private next = 0;

  /** Starts indexing a session (it joins the list of its Sink Type while it has free credits). */
  track(session: SinkSession): void {
    this.order.set(session, this.next++);
    session.onCredits(() => this.update(session));
    this.update(session);
  }

  /** Stops indexing a session (it closed or was replaced). */
  untrack(session: SinkSession): void {
    session.onCredits(null);
    this.remove(session);
    this.order.delete(session);
  }

  /** Forgets every session. */
  clear(): void {
    for (const session of this.order.keys()) session.onCredits(null);
    this.order.clear();
    this.byType.clear();
  }

  /** The Sink Types with at least one ready session, each with a copy of its ready sessions. */
  snapshot(): ReadyType[] {
    return [...this.byType].map(([sinkType, entry]) => ({ sinkType, sessions: [...entry.sessions], pins: entry.pins.size }));
  }

  /** Re-files a session after its credits or status may have changed. */
  private update(session: SinkSession): void {
    if (!this.order.has(session)) return;
    if (session.credits > 0) this.insert(session);
    else this.remove(session);
  }

  private insert(session: SinkSession): void {
    const sinkType = session.principal.sinkType;
    let entry = this.byType.get(sinkType);
    if (!entry) {
      entry = { sessions: [], pins: new Map() };
      this.byType.set(sinkType, entry);
    }
    const list = entry.sessions;
    const at = this.position(list, session);
    if (list[at] === session) return;
    list.splice(at, 0, session);
    const pin = session.principal.tenantId;
    entry.pins.set(pin, (entry.pins.get(pin) ?? 0) + 1);
  }

  private remove(session: SinkSession): void {
    const sinkType = session.principal.sinkType;
    const entry = this.byType.get(sinkType);
    if (!entry) return;
    const list = entry.sessions;
    const at = this.position(list, session);
    if (list[at] !== session) return;
    list.splice(at, 1);
    const pin = session.principal.tenantId;
    const left = (entry.pins.get(pin) ?? 1) - 1;
    if (left > 0) entry.pins.set(pin, left);
    else entry.pins.delete(pin);
    if (list.length === 0) this.byType.delete(sinkType);
  }

  /** Where the session is, or belongs, in a list kept in connect order (binary search). */
  private position(list: readonly SinkSession[], session: SinkSession): number {
    const seq = this.order.get(session)!;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.order.get(list[mid]!)! < seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
