import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** p50, p95 and p99 of a list of milliseconds, plus how many there were. */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `values` (milliseconds); zeros for an empty list. */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { count: sorted.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]!) };
}

/** Rounds to 3 decimals (microseconds, for milliseconds). */
export function round(value: number, decimals = 3): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Events per second for `count` events over `ms` milliseconds. */
export function rate(count: number, ms: number): number {
  return ms <= 0 ? 0 : Math.round((count * 1000) / ms);
}

/** Memory of this process, in MiB. */
export interface MemorySample {
  atMs: number;
  rssMiB: number;
  heapUsedMiB: number;
}

const MiB = 1024 * 1024;

/** One sample of this process's memory. */
export function memory(startedAt = now()): MemorySample {
  const { rss, heapUsed } = process.memoryUsage();
  return { atMs: Math.round(now() - startedAt), rssMiB: round(rss / MiB, 1), heapUsedMiB: round(heapUsed / MiB, 1) };
}

/** Samples this process's memory every `everyMs` until stopped. */
export class MemorySampler {
  readonly samples: MemorySample[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = now();

  constructor(everyMs: number) {
    this.samples.push(memory(this.startedAt));
    this.timer = setInterval(() => this.samples.push(memory(this.startedAt)), everyMs);
  }

  /** Stops sampling and summarises: first, peak and last heap/RSS. */
  stop(): { samples: number; first: MemorySample; peakRssMiB: number; peakHeapMiB: number; last: MemorySample } {
    clearInterval(this.timer);
    this.samples.push(memory(this.startedAt));
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    return {
      samples: this.samples.length,
      first,
      peakRssMiB: Math.max(...this.samples.map((s) => s.rssMiB)),
      peakHeapMiB: Math.max(...this.samples.map((s) => s.heapUsedMiB)),
      last,
    };
  }
}

let gcFn: (() => void) | undefined;

/** Runs a full garbage collection (exposed at run time), so heap deltas mean retained memory. */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `everyMs` until it is true, or throws after `timeoutMs` naming `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs `fn(i)` for i in [0, count) with at most `inFlight` calls pending at once. */
export async function pooled(count: number, inFlight: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
}

/**
 * Calls `fire(i)` for i in [0, count) at `perSecond`, without waiting for each call (they overlap),
 * on a ~1 ms timer; resolves when every call has resolved.
 */
export async function paced(count: number, perSecond: number, fire: (i: number) => Promise<unknown>): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const start = now();
  let fired = 0;
  while (fired < count) {
    const due = Math.min(count, Math.floor(((now() - start) * perSecond) / 1000) + 1);
    while (fired < due) pending.push(fire(fired++));
    await sleep(1);
  }
  await Promise.all(pending);
}
