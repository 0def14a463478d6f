/**
 * A sink process of the benchmark: starts `count` sinks (`startSink`), each with its own WebSocket
 * to the hub, and reports sink-side timings to its parent over IPC. Run by {@link SinkProcess}.
 *
 * Timings: `task` is the moment the sink starts a task (its `task` event, right before the executor
 * runs the module); `result` the moment the executor's result is queued for the hub. Fire-to-start
 * is `task` time minus the fire time the bench put in the payload (`payload.t`), both wall-clock
 * milliseconds of this machine with sub-millisecond precision.
 */
import { startSink, type Sink } from '@nexomatic/sink';
import { now } from '../stats.js';
import type { ChildConfig, ChildMessage, ParentMessage } from './sink-protocol.js';

const config = JSON.parse(process.argv[2]!) as ChildConfig;
const sinks: Sink[] = [];
/** Fire-to-start of timed tasks (payloads with `t`). */
let starts: number[] = [];
/** Executor time (task start to result) by module. */
let runs: Record<string, number[]> = {};
const startedAt = new Map<string, { at: number; module: string }>();

function send(message: ChildMessage): void {
  process.send!(message);
}

function track(sink: Sink): void {
  sink.on('task', (task) => {
    const at = now();
    const t = (task.payload as { t?: unknown }).t;
    if (typeof t === 'number') starts.push(at - t);
    if (config.trackRuns) startedAt.set(`${task.eventId}:${task.attempt}`, { at, module: task.module });
  });
  if (config.trackRuns) {
    sink.on('result', (report) => {
      const key = `${report.eventId}:${report.attempt}`;
      const began = startedAt.get(key);
      startedAt.delete(key);
      if (began === undefined) return;
      const label = report.outcome === 'ERROR' ? `${began.module} ERROR ${report.error?.code ?? ''}` : began.module;
      (runs[label] ??= []).push(now() - began.at);
    });
  }
}

async function main(): Promise<void> {
  for (let i = 0; i < config.count; i += config.parallelStarts) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(config.parallelStarts, config.count - i) }, (_, j) =>
        startSink({
          hubUrl: config.hubUrl,
          clientId: config.clientId,
          clientSecret: config.clientSecret,
          name: `${config.name}-${i + j}`,
          modules: [config.modules],
          concurrency: config.concurrency,
          inProcess: config.inProcess,
          // A missing interpreter is probed in microseconds; a sink without Python never spawns one.
          pythonPath: config.python ? 'python3' : '/nonexistent/python3',
          pwshPath: '/nonexistent/pwsh',
        }),
      ),
    );
    for (const sink of batch) {
      track(sink);
      sinks.push(sink);
    }
  }
  send({ type: 'ready', sinkIds: sinks.map((s) => s.sinkId), runtimes: sinks[0]?.runtimes ?? [] });
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'collect') {
    send({ type: 'collected', starts, runs });
    starts = [];
    runs = {};
  } else if (message.type === 'close') {
    void Promise.all(sinks.map((sink) => sink.close({ force: true }))).finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));

main().catch((error: unknown) => {
  send({ type: 'failed', error: String((error as Error)?.stack ?? error) });
  process.exit(1);
});
