import { BenchHub, EVENT_TYPES } from '../nexo/bench-hub.js';
import { startInProcessSink } from '../nexo/nexomatic.js';
import { MemorySampler, collectGarbage, memory, now, rate, round, until, type MemorySample } from '../stats.js';
import type { Workload } from '../workload.js';

/** One drain: a queue of `events` built with no sink online, then drained by one sink. */
export interface Drain {
  events: number;
  /** How fast the queue was built (`fireBatch` in large batches). */
  insertPerSecond: number;
  drainMs: number;
  drainPerSecond: number;
  /** Drain rate over the first and the last tenth of the events. */
  firstTenthPerSecond: number;
  lastTenthPerSecond: number;
  /** The hub process's memory during the drain (sampled every 250 ms). */
  memory: { samples: number; first: MemorySample; peakRssMiB: number; peakHeapMiB: number; last: MemorySample };
  /**
   * The heap the hub keeps: sampled right after a full garbage collection at the start and at each
   * tenth of the drain. Peaks of the periodic samples depend on when V8 happens to collect; these
   * show what grows with the queue.
   */
  retained: { samples: MemorySample[]; peakHeapMiB: number };
}

/** The backlog scenario: a large queue against a small one, same sink. */
export interface BacklogResult {
  empty: Drain;
  backlog: Drain;
  /** Backlog drain rate over the empty-queue drain rate. */
  ratio: number;
}

/** Drains an empty-queue batch and then a large backlog, each in a fresh hub. */
export async function backlogScenario(workload: Workload): Promise<BacklogResult> {
  const empty = await drain(workload, workload.emptyDrainEvents);
  const backlog = await drain(workload, workload.backlogEvents);
  return { empty, backlog, ratio: round(backlog.drainPerSecond / empty.drainPerSecond, 2) };
}

async function drain(workload: Workload, events: number): Promise<Drain> {
  const bench = await BenchHub.start();
  console.log(`  queueing ${events} events`);
  try {
    const inserting = now();
    for (let i = 0; i < events; i += workload.backlogBatchSize) {
      const size = Math.min(workload.backlogBatchSize, events - i);
      await bench.hub.fireBatch(Array.from({ length: size }, (_, j) => ({ eventType: EVENT_TYPES.noop, payload: { i: i + j } })));
    }
    const insertMs = now() - inserting;
    console.log(`  queued ${events} events in ${Math.round(insertMs)} ms; draining`);
    collectGarbage();
    const sampler = new MemorySampler(250);
    const retained = [memory()];
    const tenth = Math.max(1, Math.floor(events / 10));
    let firstTenthAt = 0;
    let lastTenthAt = 0;
    const sink = await startInProcessSink(bench, workload);
    try {
      await until(
        `${events} events drained`,
        () => {
          // A full collection at each tenth (ten pauses of some milliseconds in the whole drain).
          if (bench.completed >= retained.length * tenth && retained.length < 10) {
            collectGarbage();
            retained.push(memory());
          }
          if (firstTenthAt === 0 && bench.completed >= tenth) firstTenthAt = now();
          if (lastTenthAt === 0 && bench.completed >= events - tenth) lastTenthAt = now();
          return bench.completed >= events;
        },
        workload.drainTimeoutMs,
        2,
      );
    } finally {
      await sink.close();
    }
    const sampled = sampler.stop();
    collectGarbage();
    retained.push(memory());
    // From the first completion's commit to the last: the sink process's start-up is not counted.
    const drainMs = bench.lastDoneAt - bench.firstDoneAt;
    const counts = await bench.counts();
    if (counts.SUCCESS !== events) throw new Error(`expected ${events} SUCCESS events, the store has ${JSON.stringify(counts)}`);
    return {
      events,
      insertPerSecond: rate(events, insertMs),
      drainMs: round(drainMs, 1),
      drainPerSecond: rate(events, drainMs),
      firstTenthPerSecond: rate(tenth, firstTenthAt - bench.firstDoneAt),
      lastTenthPerSecond: rate(tenth, bench.lastDoneAt - lastTenthAt),
      memory: sampled,
      retained: { samples: retained, peakHeapMiB: Math.max(...retained.map((sample) => sample.heapUsedMiB)) },
    };
  } finally {
    await bench.close();
  }
}
