import { table } from '../report.js';
import type { Percentiles } from '../stats.js';
import type { Workload } from '../workload.js';
import { backlogScenario } from './backlog.js';
import { executorScenario } from './executors.js';
import { fanInScenario } from './fan-in.js';
import { latencyScenario } from './latency.js';
import type { ScenarioBody } from './scenario.js';
import { throughputScenario } from './throughput.js';

/** One scenario of the harness. */
export interface Scenario {
  id: string;
  title: string;
  run(workload: Workload): Promise<ScenarioBody<unknown>>;
}

const p = (x: Percentiles) => [x.p50, x.p95, x.p99, x.max];

/** Every scenario, in the order they run (the longest last). */
export const SCENARIOS: Scenario[] = [
  { id: 'throughput', title: 'Throughput end to end', run: throughputScenario },
  {
    id: 'latency',
    title: 'Latency at fixed rates',
    async run(workload) {
      const runs = await latencyScenario(workload);
      const markdown = [
        'Single `hub.fire` calls at a fixed rate (not awaited one by one), one sink (in-process node executor, ' +
          `concurrency ${workload.concurrency}). Fire-to-start: the fire call to the sink starting the task ` +
          "(the sink's `task` event, in the sink process; both clocks are this machine's wall clock at sub-ms precision). " +
          "Fire-to-done: the fire call to the COMMIT of the event's terminal state in the hub. Milliseconds.",
        '',
        table(
          ['rate/s', 'events', 'start p50', 'p95', 'p99', 'max', 'done p50', 'p95', 'p99', 'max'],
          runs.map((r) => [r.ratePerSecond, r.events, ...p(r.fireToStart), ...p(r.fireToDone)]),
        ),
      ].join('\n');
      return { data: runs, markdown };
    },
  },
  {
    id: 'executors',
    title: 'Executor overhead',
    async run(workload) {
      const runs = await executorScenario(workload);
      const markdown = [
        `No-op tasks one at a time (${workload.executorTasks} measured after ${workload.executorWarmup} warm-up), concurrency 1. ` +
          "Run: sink-side, the task's start to its result (the executor alone). Fire-to-done: end to end. Overhead: p50 above the in-process no-op. Milliseconds.",
        '',
        table(
          ['executor', 'tasks', 'run p50', 'p95', 'p99', 'max', 'overhead p50', 'fire-to-done p50', 'p99', 'e2e overhead p50'],
          runs.map((r) => [r.executor, r.tasks, ...p(r.run), r.overheadP50, r.fireToDone.p50, r.fireToDone.p99, r.endToEndOverheadP50]),
        ),
      ].join('\n');
      return { data: runs, markdown };
    },
  },
  {
    id: 'fan-in',
    title: 'Fan-in',
    async run(workload) {
      const r = await fanInScenario(workload);
      const markdown = [
        `${r.sinks} sinks in ${r.sinkProcesses} processes (each sink its own WebSocket and \`startSink\`, concurrency ${workload.concurrency}). ` +
          'Hub memory per idle sink: growth of the hub process after a full GC, divided by the sinks. ' +
          `Dispatch latency: ${workload.fanInEvents} events at ${workload.fanInRate}/s, fire to task start, ms.`,
        '',
        table(['heap per sink KiB', 'RSS per sink KiB'], [[r.heapPerSinkKiB, r.rssPerSinkKiB]]),
        '',
        table(
          ['connected sinks', 'start p50', 'p95', 'p99', 'max', 'hub CPU µs/event'],
          [
            [1, ...p(r.oneSink), r.oneSinkCpuUs],
            [r.sinks, ...p(r.allSinks), r.allSinksCpuUs],
          ],
        ),
      ].join('\n');
      return { data: r, markdown };
    },
  },
  {
    id: 'backlog',
    title: 'Backlog scaling',
    async run(workload) {
      const r = await backlogScenario(workload);
      const row = (label: string, d: typeof r.empty) => [
        label,
        d.events,
        d.insertPerSecond,
        d.drainPerSecond,
        d.firstTenthPerSecond,
        d.lastTenthPerSecond,
        `${d.memory.first.heapUsedMiB} / ${d.memory.peakHeapMiB} / ${d.memory.last.heapUsedMiB}`,
        `${d.memory.first.rssMiB} / ${d.memory.peakRssMiB} / ${d.memory.last.rssMiB}`,
        d.retained.samples.map((sample) => sample.heapUsedMiB).join(' / '),
      ];
      const markdown = [
        'Events queued with no sink online (`fireBatch`, large batches), then drained by one sink (in-process node executor). ' +
          'Drain rate: first completion commit to last. Memory of the hub process, sampled every 250 ms: first / peak / last, MiB; ' +
          'heap kept: after a full garbage collection at the start, at each tenth of the drain and at the end, MiB.',
        '',
        table(
          ['queue', 'events', 'insert/s', 'drain/s', 'first 10% /s', 'last 10% /s', 'heap MiB', 'RSS MiB', 'heap kept MiB'],
          [row('empty queue', r.empty), row('backlog', r.backlog)],
        ),
        '',
        `Backlog drain rate / empty-queue drain rate: **${r.ratio}**.`,
      ].join('\n');
      return { data: r, markdown };
    },
  },
];
