import type { ReportInput } from '@nexomatic/core';

/** The most reports a sink holds by default while they cannot be sent. */
export const DEFAULT_MAX_PENDING_REPORTS = 10_000;
/** The most bytes of reports (as JSON) a sink holds by default while they cannot be sent: 64 MiB. */
export const DEFAULT_MAX_PENDING_REPORT_BYTES = 64 * 1024 * 1024;

type LogReportInput = Extract<ReportInput, { kind: 'log' }>;
/** A queued log record. */
export type QueuedLogRecord = LogReportInput['record'];

interface Entry {
  report: ReportInput;
  /** JSON size of the report, measured once. */
  size: number;
  /** Set on the record that says how many log records of its task were dropped. */
  notice?: { key: string; count: number };
}

const taskKey = (record: Pick<QueuedLogRecord, 'eventId' | 'attempt'>): string => `${record.eventId}#${record.attempt}`;

function measured(report: ReportInput, notice?: Entry['notice']): Entry {
  return { report, size: Buffer.byteLength(JSON.stringify(report)), ...(notice ? { notice } : {}) };
}

/** The log record standing in for `count` dropped log records, at the place (and seq) of the first. */
function noticeEntry(first: QueuedLogRecord, count: number): Entry {
  const report: LogReportInput = {
    kind: 'log',
    record: {
      eventId: first.eventId,
      attempt: first.attempt,
      seq: first.seq,
      time: first.time,
      stream: 'log',
      level: 'warning',
      message: `${count} log records dropped: the sink's report buffer was full`,
      fields: { droppedLogRecords: count },
    },
  };
  return measured(report, { key: taskKey(first), count });
}

/**
 * The reports a {@link Reporter} holds, in order, bounded by `max` reports and `maxBytes` of JSON.
 * When a report would exceed either,
 * the oldest log records that are not being sent are dropped first; `started` and `result` reports
 * are never dropped (so only they can take the queue past `max`). The first dropped record of a task
 * becomes a notice, `N log records dropped`, that counts every later drop of that task, so the hub
 * sees the loss.
 */
export class ReportQueue {
  private entries: Entry[] = [];
  /** How many entries at the head are in the batches being sent: they are never dropped or changed. */
  private inFlight = 0;
  /** The `started` report of each attempt whose result has not come yet. */
  private readonly started = new Map<string, Entry>();
  /** The notice of each task that is not being sent, and may still count more drops. */
  private readonly notices = new Map<string, Entry>();
  private droppedCount = 0;
  /** JSON bytes of every entry held. */
  private heldBytes = 0;

  constructor(
    private readonly max: number = DEFAULT_MAX_PENDING_REPORTS,
    /** Called when a task's first dropped log record became its notice. */
    private readonly onNotice: (record: QueuedLogRecord) => void = () => undefined,
    private readonly maxBytes: number = DEFAULT_MAX_PENDING_REPORT_BYTES,
  ) {}

  /** JSON bytes of the reports held, the batch being sent included. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** How many reports are held, the batch being sent included. */
  get length(): number {
    return this.entries.length;
  }

  /** How many log records were dropped since the queue was made. */
  get dropped(): number {
    return this.droppedCount;
  }

  /**
   * Adds a report at the tail, dropping the oldest log records if the queue is full. A `result`
   * takes the place of its attempt's `started` report when that one is not being sent yet: the
   * result says more, and the hub would only parse and skip the `started` (half the reports of a
   * short task).
   */
  push(report: ReportInput): void {
    if (report.kind === 'result') {
      const key = taskKey(report);
      const started = this.started.get(key);
      this.started.delete(key);
      const index = started === undefined ? -1 : this.entries.lastIndexOf(started);
      if (index >= this.inFlight) {
        this.entries.splice(index, 1);
        this.heldBytes -= started!.size;
      }
    }
    const entry = measured(report);
    if (report.kind === 'started') this.started.set(taskKey(report), entry);
    this.entries.push(entry);
    this.heldBytes += entry.size;
    let from = this.inFlight;
    while (this.entries.length > this.max || this.heldBytes > this.maxBytes) {
      const index = this.oldestDroppable(from);
      if (index === -1) return;
      this.drop(index);
      from = index;
    }
  }

  /** How many reports are held and not being sent. */
  get unsent(): number {
    return this.entries.length - this.inFlight;
  }

  /**
   * Takes the next batch after the ones being sent: at most `maxBatch` reports and, past the first,
   * `maxBytes` of JSON. Batches are taken, and must be {@link sent} or {@link failed}, in order.
   */
  take(maxBatch: number, maxBytes: number): ReportInput[] {
    let bytes = 0;
    let count = 0;
    const from = this.inFlight;
    while (from + count < this.entries.length && count < maxBatch) {
      bytes += this.entries[from + count]!.size;
      if (count > 0 && bytes > maxBytes) break;
      count += 1;
    }
    const batch = this.entries.slice(from, from + count);
    this.inFlight += count;
    for (const entry of batch) if (entry.notice && this.notices.get(entry.notice.key) === entry) this.notices.delete(entry.notice.key);
    return batch.map((entry) => entry.report);
  }

  /** The oldest batch being sent, of `count` reports, arrived: removes it. */
  sent(count: number): void {
    const done = Math.min(count, this.inFlight);
    for (const entry of this.entries.splice(0, done)) this.heldBytes -= entry.size;
    this.inFlight -= done;
  }

  /** The batches being sent did not (all) arrive: they stay at the head, and their notices count drops again. */
  failed(): void {
    const batch = this.entries.slice(0, this.inFlight);
    this.inFlight = 0;
    for (const entry of batch) {
      if (!entry.notice) continue;
      const newer = this.notices.get(entry.notice.key);
      if (newer) {
        // A notice made while this one was being sent: fold it into this one.
        this.entries.splice(this.entries.indexOf(newer), 1);
        this.heldBytes -= newer.size;
        this.recount(entry, newer.notice!.count);
      }
      this.notices.set(entry.notice.key, entry);
    }
  }

  /** Empties the queue, returning what it held. */
  clear(): ReportInput[] {
    const reports = this.entries.map((entry) => entry.report);
    this.entries = [];
    this.heldBytes = 0;
    this.inFlight = 0;
    this.notices.clear();
    this.started.clear();
    return reports;
  }

  private oldestDroppable(from: number): number {
    for (let i = from; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.report.kind === 'log' && !entry.notice) return i;
    }
    return -1;
  }

  private drop(index: number): void {
    const { record } = this.entries[index]!.report as LogReportInput;
    this.droppedCount += 1;
    const notice = this.notices.get(taskKey(record));
    if (notice) {
      const [removed] = this.entries.splice(index, 1);
      this.heldBytes -= removed!.size;
      this.recount(notice, 1);
      return;
    }
    const entry = noticeEntry(record, 1);
    this.heldBytes += entry.size - this.entries[index]!.size;
    this.entries[index] = entry;
    this.notices.set(entry.notice!.key, entry);
    this.onNotice(record);
  }

  /** Adds `more` dropped records to a notice (never one being sent). */
  private recount(entry: Entry, more: number): void {
    const { record } = entry.report as LogReportInput;
    const updated = noticeEntry(record, entry.notice!.count + more);
    this.heldBytes += updated.size - entry.size;
    entry.report = updated.report;
    entry.size = updated.size;
    entry.notice = updated.notice;
  }
}
