import type { ThroughputRun } from './nexo/nexomatic.js';
import type { BarLine, Report } from './report.js';
import type { BacklogResult } from './scenarios/backlog.js';
import type { ExecutorRun } from './scenarios/executors.js';
import type { LatencyRun } from './scenarios/latency.js';

/** Heap a large drain may keep above what the empty-queue drain kept and still be called flat, MiB. */
const SLACK_MIB = 32;

function data<T>(report: Report, name: string): T | undefined {
  return report.scenarios.find((s) => s.name === name)?.data as T | undefined;
}

/** The bar as pass/fail lines, from whatever the run measured. Never asserted. */
export function evaluateBar(report: Report): BarLine[] {
  const lines: BarLine[] = [];
  const throughput = data<ThroughputRun[]>(report, 'Throughput end to end');
  const ours = throughput?.find((r) => r.system.startsWith('Nexomatic') && r.firing === 'batched');
  const bull = throughput?.find((r) => r.system.startsWith('BullMQ') && r.firing === 'batched');
  lines.push({
    claim: '>= 10,000 events/s end to end, batched firing',
    measured: ours ? `${ours.eventsPerSecond} events/s` : 'not measured',
    pass: ours ? ours.eventsPerSecond >= 10_000 : null,
  });
  lines.push({
    claim: '>= 1.5x BullMQ (batched, same run)',
    measured: ours && bull ? `${(ours.eventsPerSecond / bull.eventsPerSecond).toFixed(2)}x (BullMQ ${bull.eventsPerSecond} events/s)` : 'not measured',
    pass: ours && bull ? ours.eventsPerSecond >= 1.5 * bull.eventsPerSecond : null,
  });
  const at2000 = data<LatencyRun[]>(report, 'Latency at fixed rates')?.find((r) => r.ratePerSecond === 2000);
  lines.push({
    claim: 'p99 fire-to-start <= 5 ms at 2,000 events/s',
    measured: at2000 ? `${at2000.fireToStart.p99} ms` : 'not measured',
    pass: at2000 ? at2000.fireToStart.p99 <= 5 : null,
  });
  const backlog = data<BacklogResult>(report, 'Backlog scaling');
  lines.push({
    claim: `backlog of ${report.workload.backlogEvents} drains at >= 80% of the empty-queue rate`,
    measured: backlog ? `${Math.round(backlog.ratio * 100)}% (${backlog.backlog.drainPerSecond} vs ${backlog.empty.drainPerSecond} events/s)` : 'not measured',
    pass: backlog ? backlog.ratio >= 0.8 : null,
  });
  // Flat: the heap the hub keeps through the drain of the large backlog (after a full collection,
  // at each tenth) is no larger than through the small empty-queue drain (plus slack), i.e. the
  // hub's memory does not grow with the backlog. The periodic peaks are reported beside it: they
  // depend on when V8 collects.
  const memory = backlog?.backlog.memory;
  const retained = backlog?.backlog.retained;
  const limit = backlog ? Math.max(backlog.empty.retained.peakHeapMiB * 1.25, backlog.empty.retained.peakHeapMiB + SLACK_MIB) : 0;
  lines.push({
    claim: 'flat hub memory during the backlog drain (heap kept after a full GC, at each tenth of the drain, within the empty-queue drain\'s, +25%)',
    measured:
      memory && retained
        ? `kept ${retained.samples.map((s) => s.heapUsedMiB).join(' / ')} MiB, at most ${retained.peakHeapMiB} (empty queue: at most ${backlog!.empty.retained.peakHeapMiB}); periodic heap peak ${memory.peakHeapMiB} MiB (empty queue ${backlog!.empty.memory.peakHeapMiB}); RSS peak ${memory.peakRssMiB} MiB`
        : 'not measured',
    pass: retained ? retained.peakHeapMiB <= limit : null,
  });
  const python = data<ExecutorRun[]>(report, 'Executor overhead')?.find((r) => r.executor.startsWith('python'));
  lines.push({
    claim: 'no-op Python task <= 2 ms above the in-process no-op at p50',
    measured: python ? `+${python.overheadP50} ms (executor), +${python.endToEndOverheadP50} ms (end to end)` : 'not measured',
    pass: python ? python.overheadP50 <= 2 : null,
  });
  return lines;
}
