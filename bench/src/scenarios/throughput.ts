import { nexomaticThroughput, type ThroughputRun } from '../nexo/nexomatic.js';
import { bullmqThroughput, probeBullmq } from '../peers/bullmq.js';
import { pgBossThroughput, probePgBoss } from '../peers/pg-boss.js';
import { table } from '../report.js';
import type { Workload } from '../workload.js';
import type { ScenarioBody } from './scenario.js';

interface Peer {
  name: string;
  probe(): Promise<string | null>;
  run(workload: Workload, firing: ThroughputRun['firing']): Promise<ThroughputRun>;
}

const PEERS: Peer[] = [
  { name: 'BullMQ (Redis)', probe: probeBullmq, run: bullmqThroughput },
  { name: 'pg-boss (PostgreSQL)', probe: probePgBoss, run: pgBossThroughput },
];

const FIRINGS: Array<ThroughputRun['firing']> = ['batched', 'one by one'];

/**
 * Throughput end to end, us and the peers, same event count and concurrency. A peer whose server
 * cannot be reached is skipped in the smoke run (with the reason) and fails the full run.
 */
export async function throughputScenario(workload: Workload): Promise<ScenarioBody<ThroughputRun[]>> {
  const runs: ThroughputRun[] = [];
  const problems: string[] = [];
  const skipped: string[] = [];
  for (const firing of FIRINGS) runs.push(await nexomaticThroughput(workload, firing));
  for (const peer of workload.peers ? PEERS : []) {
    const unreachable = await peer.probe();
    if (unreachable) {
      const reason = `${peer.name}: not reachable (${unreachable})`;
      if (workload.mode === 'smoke') skipped.push(reason);
      else problems.push(reason);
      continue;
    }
    for (const firing of FIRINGS) {
      try {
        runs.push(await peer.run(workload, firing));
      } catch (error) {
        problems.push(`${peer.name}, ${firing}: ${String((error as Error).stack ?? error)}`);
      }
    }
  }
  const ours = runs.find((r) => r.system.startsWith('Nexomatic') && r.firing === 'batched')!;
  const markdown = [
    `${workload.throughputEvents} no-op events per run; concurrency ${workload.concurrency}; batches of ${workload.batchSize}; ` +
      `one by one = one call per event with ${workload.singleInFlight} in flight. Time from the first fire to the last event durably terminal.`,
    '',
    table(
      ['system', 'firing', 'events', 'events/s', 'vs Nexomatic batched', 'total ms', 'firing ms', 'verified'],
      runs.map((r) => [r.system, r.firing, r.events, r.eventsPerSecond, (r.eventsPerSecond / ours.eventsPerSecond).toFixed(2), r.ms, r.fireMs, r.verified]),
    ),
    '',
    ...runs.filter((r) => r.storeCalls).map((r) => `- Nexomatic ${r.firing}: ${r.storeCalls}.`),
    ...skipped.map((s) => `\nSkipped ${s}`),
    ...(workload.peers ? [] : ['\nPeers not run (--no-peers).']),
  ].join('\n');
  return { data: runs, markdown, problems, skipped };
}
