import type { FireInput } from '@nexomatic/core';
import { HUB_VERSION } from '@nexomatic/hub';
import { now, pooled, rate, round, until } from '../stats.js';
import type { Workload } from '../workload.js';
import { BenchHub, EVENT_TYPES, SINK_TYPES } from './bench-hub.js';
import { SinkProcess } from './sink-process.js';

/** One throughput run of one system. */
export interface ThroughputRun {
  system: string;
  firing: 'batched' | 'one by one';
  events: number;
  /** From the first fire to the last event durably terminal. */
  ms: number;
  eventsPerSecond: number;
  /** How long firing alone took (it overlaps with running). */
  fireMs: number;
  /** How the end state was verified. */
  verified: string;
  /** Nexomatic only: the store calls the run made. */
  storeCalls?: string;
}

const per = (ms: number, calls: number) => (calls === 0 ? '0' : (ms / calls).toFixed(2));

/** Fires `count` events, in batches or one by one with calls in flight. */
export async function fireAll(bench: BenchHub, workload: Workload, firing: ThroughputRun['firing'], make: (i: number) => FireInput): Promise<void> {
  const count = workload.throughputEvents;
  if (firing === 'batched') {
    for (let i = 0; i < count; i += workload.batchSize) {
      const size = Math.min(workload.batchSize, count - i);
      await bench.hub.fireBatch(Array.from({ length: size }, (_, j) => make(i + j)));
    }
  } else {
    await pooled(count, workload.singleInFlight, (i) => bench.hub.fire(make(i)));
  }
}

/** Starts the sink process every Nexomatic scenario uses: one sink, in-process node executor. */
export function startInProcessSink(bench: BenchHub, workload: Workload, name = 'bench-sink'): Promise<SinkProcess> {
  return SinkProcess.start({
    hubUrl: bench.url,
    clientId: SINK_TYPES.inProcess,
    clientSecret: bench.secrets[SINK_TYPES.inProcess]!,
    name,
    count: 1,
    concurrency: workload.concurrency,
    inProcess: true,
    python: false,
  });
}

/** Nexomatic end to end: fire N no-op events while one sink runs them; time until all are terminal. */
export async function nexomaticThroughput(workload: Workload, firing: ThroughputRun['firing']): Promise<ThroughputRun> {
  const bench = await BenchHub.start();
  const sink = await startInProcessSink(bench, workload).catch(async (error: unknown) => {
    await bench.close();
    throw error;
  });
  try {
    const count = workload.throughputEvents;
    const cpu = process.cpuUsage();
    const started = now();
    await fireAll(bench, workload, firing, (i) => ({ eventType: EVENT_TYPES.noop, payload: { i } }));
    const fireMs = now() - started;
    await until(`${count} events terminal`, () => bench.completed >= count, workload.drainTimeoutMs);
    const ms = now() - started;
    const { user, system } = process.cpuUsage(cpu);
    const counts = await bench.counts();
    if (counts.SUCCESS !== count) throw new Error(`expected ${count} SUCCESS events, the store has ${JSON.stringify(counts)}`);
    return {
      system: `Nexomatic ${HUB_VERSION}`,
      firing,
      events: count,
      ms: round(ms, 1),
      eventsPerSecond: rate(count, ms),
      fireMs: round(fireMs, 1),
      verified: `store: ${counts.SUCCESS} SUCCESS`,
      storeCalls: `hub process CPU ${Math.round((user + system) / count)} µs/event; ${bench.calls.insert} inserts, ${bench.calls.claim} claims (${(bench.calls.claimed / Math.max(1, bench.calls.claim)).toFixed(1)} events each, ${per(bench.calls.claimMs, bench.calls.claim)} ms each to commit), ${bench.calls.complete} completes (${per(bench.calls.completeMs, bench.calls.complete)} ms each)`,
    };
  } finally {
    await sink.close();
    await bench.close();
  }
}
