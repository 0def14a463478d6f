import type { JsonObject } from '@nexomatic/core';
import type { TaskLog } from './executors/executor.js';

/** The most bytes of log one task attempt sends by default: 10 MiB. */
export const DEFAULT_MAX_LOG_BYTES_PER_TASK = 10 * 1024 * 1024;

/** The size a record counts against a task's log budget: its message and fields, in UTF-8 bytes. */
export function logBytes(log: { message: string; fields?: unknown }): number {
  return Buffer.byteLength(log.message) + (log.fields === undefined ? 0 : Buffer.byteLength(JSON.stringify(log.fields)));
}

/**
 * The log budget of one task attempt: records are admitted until their bytes would pass `limit`;
 * from then on every record is dropped (the log is a prefix of what the module wrote), only
 * counted. {@link LogBudget.marker} then says what was dropped, as a record the task ends with.
 */
export class LogBudget {
  private used = 0;
  private droppedBytes = 0;
  private droppedRecords = 0;

  constructor(private readonly limit: number) {}

  /** Whether the record fits; false once the budget is spent (and for every record after). */
  admit(log: Pick<TaskLog, 'message' | 'fields'>): boolean {
    const size = logBytes(log);
    if (this.droppedRecords === 0 && this.used + size <= this.limit) {
      this.used += size;
      return true;
    }
    this.droppedBytes += size;
    this.droppedRecords += 1;
    return false;
  }

  /** Whether records were dropped. */
  get truncated(): boolean {
    return this.droppedRecords > 0;
  }

  /** The visible marker of a truncated log (level `warning`), or null when nothing was dropped. */
  marker(): TaskLog | null {
    if (!this.truncated) return null;
    const fields: JsonObject = { droppedBytes: this.droppedBytes, droppedRecords: this.droppedRecords, limitBytes: this.limit };
    return {
      stream: 'log',
      level: 'warning',
      message: `log truncated: ${this.droppedBytes} bytes dropped (${this.droppedRecords} records past the limit of ${this.limit} bytes per task)`,
      time: new Date().toISOString(),
      fields,
    };
  }
}
