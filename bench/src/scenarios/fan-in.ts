import { BenchHub, EVENT_TYPES, SINK_TYPES } from '../nexo/bench-hub.js';
import { SinkProcess } from '../nexo/sink-process.js';
import { collectGarbage, memory, now, paced, percentiles, round, sleep, until, type Percentiles } from '../stats.js';
import type { Workload } from '../workload.js';


/** The fan-in scenario: many idle sinks on one hub. */
export interface FanInResult {
  sinks: number;
  sinkProcesses: number;
  /** Hub process memory growth per connected idle sink (after a full GC), KiB. */
  heapPerSinkKiB: number;
  rssPerSinkKiB: number;
  /** Fire-to-start at a fixed rate with one sink connected, and with all of them. */
  oneSink: Percentiles;
  allSinks: Percentiles;
  /** CPU time of the hub process (the bench's own, firing included) per event while timing dispatch, µs. */
  oneSinkCpuUs: number;
  allSinksCpuUs: number;
}

/**
 * Connects 1 sink, times dispatch at a fixed rate; then connects N sinks (several per process, each
 * its own WebSocket), measures the hub's memory per idle sink and times dispatch again.
 */
export async function fanInScenario(workload: Workload): Promise<FanInResult> {
  const bench = await BenchHub.start({ maxSinksPerSinkType: workload.fanInSinks + 10 });
  const processes: SinkProcess[] = [];
  const start = (name: string, count: number) =>
    SinkProcess.start({
      hubUrl: bench.url,
      clientId: SINK_TYPES.inProcess,
      clientSecret: bench.secrets[SINK_TYPES.inProcess]!,
      name,
      count,
      concurrency: workload.concurrency,
      inProcess: true,
      python: false,
    });
  try {
    const one = await start('fan-in-one', 1);
    const { starts: oneSink, cpuUs: oneSinkCpuUs } = await dispatchLatency(bench, [one], workload);
    await one.close();
    await until('the single sink to be gone', () => bench.hub.listSinks().then((s) => s.every((x) => x.status === 'OFFLINE')), 10_000, 20);
    await sleep(200);
    collectGarbage();
    const before = memory();
    for (let made = 0, p = 0; made < workload.fanInSinks; p++) {
      const count = Math.min(workload.sinksPerProcess, workload.fanInSinks - made);
      processes.push(await start(`fan-in-${p}`, count));
      made += count;
    }
    await sleep(workload.mode === 'full' ? 1000 : 300);
    collectGarbage();
    const after = memory();
    const { starts: allSinks, cpuUs: allSinksCpuUs } = await dispatchLatency(bench, processes, workload);
    const n = workload.fanInSinks;
    return {
      sinks: n,
      sinkProcesses: processes.length,
      heapPerSinkKiB: round(((after.heapUsedMiB - before.heapUsedMiB) * 1024) / n, 1),
      rssPerSinkKiB: round(((after.rssMiB - before.rssMiB) * 1024) / n, 1),
      oneSink,
      allSinks,
      oneSinkCpuUs,
      allSinksCpuUs,
    };
  } finally {
    await Promise.all(processes.map((p) => p.close()));
    await bench.close();
  }
}

/**
 * Fires events at the fan-in rate; returns fire-to-start across the given sink processes and the
 * hub process's CPU time per event meanwhile.
 */
async function dispatchLatency(bench: BenchHub, processes: SinkProcess[], workload: Workload): Promise<{ starts: Percentiles; cpuUs: number }> {
  const before = bench.completed;
  const cpu = process.cpuUsage();
  const count = workload.fanInEvents;
  await paced(count, workload.fanInRate, (i) => bench.hub.fire({ eventType: EVENT_TYPES.noop, payload: { i, t: now() } }));
  await until(`${count} events terminal`, () => bench.completed - before >= count, workload.drainTimeoutMs);
  const { user, system } = process.cpuUsage(cpu);
  const starts = (await Promise.all(processes.map((p) => p.collect()))).flatMap((c) => c.starts);
  if (starts.length !== count) throw new Error(`the sinks timed ${starts.length} task starts, expected ${count}`);
  return { starts: percentiles(starts), cpuUs: Math.round((user + system) / count) };
}
