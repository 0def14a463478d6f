import { BenchHub, EVENT_TYPES } from '../nexo/bench-hub.js';
import { startInProcessSink } from '../nexo/nexomatic.js';
import { now, paced, percentiles, until, type Percentiles } from '../stats.js';
import type { Workload } from '../workload.js';

/** Latency at one fixed firing rate. */
export interface LatencyRun {
  ratePerSecond: number;
  events: number;
  /** Fire call to the sink starting the task (sink-side clock, same machine). */
  fireToStart: Percentiles;
  /** Fire call to the completion's COMMIT in the hub (the event durably terminal). */
  fireToDone: Percentiles;
}

/**
 * Fires single events (`hub.fire`, not awaited one by one) at a fixed rate into a hub with one
 * in-process sink, and measures per event fire-to-start and fire-to-done.
 */
export async function latencyScenario(workload: Workload): Promise<LatencyRun[]> {
  const bench = await BenchHub.start();
  const sink = await startInProcessSink(bench, workload).catch(async (error: unknown) => {
    await bench.close();
    throw error;
  });
  try {
    // Warm-up: module import, statement cache, JIT.
    await runAt(bench, 400, workload.mode === 'full' ? 400 : 20, workload);
    await sink.collect();
    const runs: LatencyRun[] = [];
    for (const perSecond of workload.latencyRates) {
      const count = Math.max(10, Math.round(perSecond * workload.latencySeconds));
      const fireToDone = await runAt(bench, perSecond, count, workload);
      const { starts } = await sink.collect();
      if (starts.length !== count) throw new Error(`the sink timed ${starts.length} task starts, expected ${count}`);
      runs.push({ ratePerSecond: perSecond, events: count, fireToStart: percentiles(starts), fireToDone: percentiles(fireToDone) });
    }
    return runs;
  } finally {
    await sink.close();
    await bench.close();
  }
}

/** Fires `count` events at `perSecond`, waits until all are terminal; returns each fire-to-done. */
async function runAt(bench: BenchHub, perSecond: number, count: number, workload: Workload): Promise<number[]> {
  const firedAt = new Map<string, number>();
  bench.doneAt = new Map();
  const before = bench.completed;
  await paced(count, perSecond, async (i) => {
    const t = now();
    const event = await bench.hub.fire({ eventType: EVENT_TYPES.noop, payload: { i, t } });
    firedAt.set(event.id, t);
  });
  await until(`${count} events terminal`, () => bench.completed - before >= count, workload.drainTimeoutMs);
  const done = bench.doneAt;
  bench.doneAt = null;
  return [...firedAt].map(([id, t]) => done.get(id)! - t);
}
