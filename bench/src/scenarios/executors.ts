import { BenchHub, EVENT_TYPES, SINK_TYPES } from '../nexo/bench-hub.js';
import { SinkProcess } from '../nexo/sink-process.js';
import { now, percentiles, round, type Percentiles } from '../stats.js';
import type { Workload } from '../workload.js';

/** One executor's cost per no-op task. */
export interface ExecutorRun {
  executor: 'in-process node' | 'node (child processes)' | 'python (pooled interpreters)';
  tasks: number;
  /** Sink-side: task start to result queued. */
  run: Percentiles;
  /** Fire to durably terminal, one task at a time. */
  fireToDone: Percentiles;
  /** p50 of `run` above the in-process no-op's p50, ms. */
  overheadP50: number;
  /** p50 of `fireToDone` above the in-process no-op's, ms. */
  endToEndOverheadP50: number;
}

/**
 * Runs no-op tasks one at a time through each executor: in-process node (a sink started with
 * `inProcess`), node in child processes and pooled Python (a sink with the default executors), and
 * reports each one's cost above the in-process no-op.
 */
export async function executorScenario(workload: Workload): Promise<ExecutorRun[]> {
  const bench = await BenchHub.start();
  const processes: SinkProcess[] = [];
  try {
    const common = { hubUrl: bench.url, count: 1, concurrency: 1, python: true, trackRuns: true };
    const inProcess = await SinkProcess.start({
      ...common,
      clientId: SINK_TYPES.inProcess,
      clientSecret: bench.secrets[SINK_TYPES.inProcess]!,
      name: 'exec-inproc',
      inProcess: true,
    });
    processes.push(inProcess);
    const child = await SinkProcess.start({
      ...common,
      clientId: SINK_TYPES.child,
      clientSecret: bench.secrets[SINK_TYPES.child]!,
      name: 'exec-child',
      inProcess: false,
    });
    processes.push(child);
    const plan = [
      { executor: 'in-process node', eventType: EVENT_TYPES.noop, sink: inProcess, module: 'noop' },
      { executor: 'node (child processes)', eventType: EVENT_TYPES.noopChild, sink: child, module: 'noop' },
      { executor: 'python (pooled interpreters)', eventType: EVENT_TYPES.noopPython, sink: child, module: 'noop_py' },
    ] as const;
    const measured: Array<Omit<ExecutorRun, 'overheadP50' | 'endToEndOverheadP50'>> = [];
    for (const { executor, eventType, sink, module } of plan) {
      bench.doneAt = new Map();
      for (let i = 0; i < workload.executorWarmup; i++) await bench.fireAndWait({ eventType, payload: { i } });
      await sink.collect();
      const fireToDone: number[] = [];
      for (let i = 0; i < workload.executorTasks; i++) {
        const t = now();
        await bench.fireAndWait({ eventType, payload: { i } });
        fireToDone.push(now() - t);
      }
      bench.doneAt = null;
      const { runs } = await sink.collect();
      const failed = Object.keys(runs).filter((label) => label !== module);
      if (failed.length > 0) throw new Error(`${executor}: tasks failed: ${failed.join(', ')}`);
      const run = runs[module] ?? [];
      if (run.length !== workload.executorTasks) throw new Error(`${executor}: timed ${run.length} runs, expected ${workload.executorTasks}`);
      measured.push({ executor, tasks: run.length, run: percentiles(run), fireToDone: percentiles(fireToDone) });
    }
    const base = measured[0]!;
    return measured.map((m) => ({
      ...m,
      overheadP50: round(m.run.p50 - base.run.p50),
      endToEndOverheadP50: round(m.fireToDone.p50 - base.fireToDone.p50),
    }));
  } finally {
    await Promise.all(processes.map((p) => p.close()));
    await bench.close();
  }
}
