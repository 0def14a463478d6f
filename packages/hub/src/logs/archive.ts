import { gunzipSync, gzipSync } from 'node:zlib';
import { LogRecord, NexomaticError, type LogLevel } from '@nexomatic/core';
import type { LogChunk } from '../store/port.js';

/**
 * Where archived logs go: a blob store addressed by name. The archiver writes each blob once
 * under a deterministic name and may write the same name again after a crash (with the same
 * records), so `put` replaces. Implementations: {@link fsArchive} (`@nexomatic/hub`) and
 * `azureBlobArchive` (`@nexomatic/hub/azure`).
 */
export interface LogArchive {
  /** Stores `body` under `name`, replacing what was there. Resolves once it is durable. */
  put(name: string, body: Uint8Array): Promise<void>;
  /** The blob stored under `name`, or null when there is none. */
  get(name: string): Promise<Uint8Array | null>;
  /** What the archive is, for the hub's own log lines, e.g. `fs:/var/lib/nexomatic/archive`. */
  readonly description: string;
}

/** Whether a value looks like a {@link LogArchive}. */
export function isLogArchive(value: unknown): value is LogArchive {
  const v = value as Partial<LogArchive> | null;
  return typeof v === 'object' && v !== null && typeof v.put === 'function' && typeof v.get === 'function';
}

/** A name part that is safe in a path and a blob name: ids are kept when they are plain. */
function part(value: string): string {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(value) ? value : encodeURIComponent(value).replace(/\./g, '%2E');
}

/**
 * The blob name of one attempt's chunk: `logs/<tenant>/<YYYY-MM-DD of first record>/<event>/<attempt>-<minSeq>-<maxSeq>.jsonl.gz`.
 * The same records always give the same name, so a re-run after a crash overwrites, never duplicates.
 */
export function chunkName(tenantId: string, eventId: string, attempt: number, records: readonly LogRecord[]): string {
  const first = records[0]!;
  const last = records[records.length - 1]!;
  const day = new Date(timeRange(records).first).toISOString().slice(0, 10);
  return `logs/${part(tenantId)}/${day}/${part(eventId)}/${attempt}-${first.seq}-${last.seq}.jsonl.gz`;
}

/** The earliest and latest record time, in milliseconds (records need not be in time order). */
function timeRange(records: readonly LogRecord[]): { first: number; last: number } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const record of records) {
    const ms = Date.parse(record.time);
    if (ms < first) first = ms;
    if (ms > last) last = ms;
  }
  return { first, last };
}

/** Compresses records (in seq order) into a chunk blob: gzip of one JSON object per line. */
export function encodeChunk(records: readonly LogRecord[]): Buffer {
  return gzipSync(records.map((record) => JSON.stringify(record)).join('\n') + '\n');
}

/** Reads a chunk blob back into its records; a corrupt blob is an `INTERNAL` error naming it. */
export function decodeChunk(name: string, body: Uint8Array): LogRecord[] {
  try {
    const text = gunzipSync(body).toString('utf8');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => LogRecord.parse(JSON.parse(line)));
  } catch (error) {
    throw new NexomaticError('INTERNAL', `archived log chunk ${name} is unreadable`, { cause: error });
  }
}

/** The index row of a chunk about to be archived. */
export function chunkOf(tenantId: string, records: readonly LogRecord[], name: string, bytes: number, archivedAt: Date): LogChunk {
  const { first, last } = timeRange(records);
  const levels = new Set<LogLevel>(records.map((r) => r.level));
  return {
    tenantId,
    eventId: records[0]!.eventId,
    attempt: records[0]!.attempt,
    name,
    minSeq: records[0]!.seq,
    maxSeq: records[records.length - 1]!.seq,
    count: records.length,
    firstTime: new Date(first),
    lastTime: new Date(last),
    levels: [...levels],
    bytes,
    archivedAt,
  };
}
