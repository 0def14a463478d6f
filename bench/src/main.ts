/**
 * The benchmark harness: `npm run bench` (full) or `npm run bench:smoke` (tiny, in seconds).
 * Flags: `--smoke`, `--only=throughput,latency,executors,fan-in,backlog`, `--backlog=<events>`,
 * `--events=<events>` (throughput), `--concurrency=<tasks>` (every worker, for profiling the cost per dispatch cycle),
 * `--no-peers`. Writes `bench/results/<timestamp>-<mode>.json` and `.md`; exits
 * non-zero when a scenario failed. Numbers are reported, never asserted.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HUB_VERSION } from '@nexomatic/hub';
import { bullmqInfo } from './peers/bullmq.js';
import { pgBossInfo } from './peers/pg-boss.js';
import { evaluateBar } from './bar.js';
import { markdown, writeReport, type Report, type ScenarioOutcome } from './report.js';
import { SCENARIOS } from './scenarios/index.js';
import { packageVersion, sqliteVersion } from './versions.js';
import { FULL, SMOKE, type Workload } from './workload.js';

const RESULTS = fileURLToPath(new URL('../results', import.meta.url));

function parseArgs(argv: string[]): { workload: Workload; only: Set<string> | null } {
  const flag = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const workload: Workload = { ...(argv.includes('--smoke') ? SMOKE : FULL) };
  const number = (name: string) => {
    const value = flag(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: must be a positive integer, got ${value}`);
    return n;
  };
  workload.backlogEvents = number('backlog') ?? workload.backlogEvents;
  workload.throughputEvents = number('events') ?? workload.throughputEvents;
  workload.concurrency = number('concurrency') ?? workload.concurrency;
  if (argv.includes('--no-peers')) workload.peers = false;
  const only = flag('only');
  const names = only?.split(',').map((s) => s.trim());
  for (const name of names ?? []) {
    if (!SCENARIOS.some((s) => s.id === name)) throw new Error(`--only: unknown scenario "${name}" (known: ${SCENARIOS.map((s) => s.id).join(', ')})`);
  }
  return { workload, only: names ? new Set(names) : null };
}

async function main(): Promise<number> {
  const { workload, only } = parseArgs(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`Nexomatic benchmark, ${workload.mode} run, ${startedAt}`);
  const outcomes: ScenarioOutcome[] = [];
  const report = (): Report => ({
    startedAt,
    mode: workload.mode,
    machine: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadavgAtStart: loadAtStart,
      loadavgNow: loadavg().map((l) => l.toFixed(2)).join(' '),
    },
    systems: {
      Nexomatic: {
        hub: HUB_VERSION,
        sink: packageVersion('@nexomatic/sink'),
        store: `embedded SQLite ${sqliteVersion()} (better-sqlite3 ${packageVersion('better-sqlite3')}), WAL, group commit, acknowledged after the log's fdatasync (the durability of synchronous=FULL, the fsync off the event loop)`,
        topology: 'hub + firing in the bench process; each sink in its own process (startSink), real WebSocket on 127.0.0.1',
        executor: 'in-process node executor (inProcess: true) unless a scenario says otherwise',
        concurrency: workload.concurrency,
        hubOptions: 'defaults (pollIntervalMs 1000, leaseMs 30000); fan-in raises maxSinksPerSinkType',
      },
      BullMQ: bullmqInfo() ?? 'not run',
      'pg-boss': pgBossInfo() ?? 'not run',
    },
    workload: { ...workload },
    scenarios: outcomes,
    bar: [],
  });
  // Written after every scenario, so a run cut short (timeout) still leaves what it measured.
  const write = () => {
    const full = report();
    full.bar = evaluateBar(full);
    return { full, paths: writeReport(RESULTS, full) };
  };
  for (const scenario of SCENARIOS) {
    if (only && !only.has(scenario.id)) continue;
    const began = performance.now();
    console.log(`\n== ${scenario.title}`);
    let outcome: ScenarioOutcome;
    try {
      const body = await scenario.run(workload);
      const problems = body.problems ?? [];
      outcome = {
        name: scenario.title,
        status: problems.length > 0 ? 'failed' : 'ok',
        ...(problems.length > 0 ? { reason: problems.join('; ') } : {}),
        seconds: 0,
        data: body.data,
        markdown: body.markdown,
      };
      for (const skipped of body.skipped ?? []) console.log(`SKIPPED ${skipped}`);
    } catch (error) {
      outcome = { name: scenario.title, status: 'failed', reason: String((error as Error)?.stack ?? error), seconds: 0 };
    }
    outcome.seconds = Math.round((performance.now() - began) / 100) / 10;
    outcomes.push(outcome);
    if (outcome.markdown) console.log(outcome.markdown);
    console.log(`-> ${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''} (${outcome.seconds} s)`);
    write();
  }
  const { full, paths } = write();
  const { json, md } = paths;
  console.log(`\n${markdown(full).split('## Machine')[0]}`);
  console.log(`Report: ${md}\n        ${json}`);
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) console.error(`FAILED: ${failed.map((f) => f.name).join(', ')}`);
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
