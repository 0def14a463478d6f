import PgBoss from 'pg-boss';
import type { ThroughputRun } from '../nexo/nexomatic.js';
import { now, pooled, rate, round, sleep, until } from '../stats.js';
import type { Workload } from '../workload.js';
import { probeTcp } from './probe.js';
import { packageVersion } from '../versions.js';

const HOST = '127.0.0.1';
/** BENCH_PG_PORT overrides the port (e.g. to see the skip when PostgreSQL is away). */
const PORT = Number(process.env.BENCH_PG_PORT ?? 5432);
const DATABASE = 'test';
const USERS = ['postgres', 'root'];

/** What the report prints about the pg-boss peer. */
export interface PgBossInfo {
  version: string;
  server: string;
  user: string;
  settings: Record<string, string | number | boolean>;
}

let info: PgBossInfo | null = null;

/** Null when PostgreSQL answers on 127.0.0.1:5432, else why not. */
export function probePgBoss(): Promise<string | null> {
  return probeTcp(HOST, PORT);
}

/** The pg-boss peer's versions and settings, once a run has connected. */
export function pgBossInfo(): PgBossInfo | null {
  return info;
}

/** Starts pg-boss on a schema of its own, trying the users PostgreSQL may have for trust auth. */
async function startBoss(schema: string): Promise<{ boss: PgBoss; user: string }> {
  let last: unknown;
  for (const user of USERS) {
    const boss = new PgBoss({ host: HOST, port: PORT, database: DATABASE, user, schema, supervise: false, schedule: false });
    boss.on('error', () => undefined);
    try {
      await boss.start();
      return { boss, user };
    } catch (error) {
      last = error;
      await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    }
  }
  throw new Error(`pg-boss could not connect to ${HOST}:${PORT}/${DATABASE} as ${USERS.join(' or ')}: ${String(last)}`);
}

/**
 * pg-boss end to end: a queue in a schema unique to this run, one `work()` worker fetching
 * `concurrency` jobs per fetch (its `batchSize`), N no-op jobs sent in batches (`insert`) or one by
 * one (`send`); time until all are `completed` in the job table. pg-boss polls (at least every
 * 0.5 s); the worker asks for its next batch at once after a non-empty one (`notifyWorker`), which
 * is how pg-boss drains a queue at full speed. The schema is dropped afterwards.
 */
export async function pgBossThroughput(workload: Workload, firing: ThroughputRun['firing']): Promise<ThroughputRun> {
  const schema = `nexobench_${process.pid}_${Date.now().toString(36)}`;
  const queue = 'noop';
  const { boss, user } = await startBoss(schema);
  const db = boss.getDb();
  try {
    await boss.createQueue(queue);
    const count = workload.throughputEvents;
    let workerId = '';
    workerId = await boss.work<{ i: number }>(queue, { batchSize: workload.concurrency, pollingIntervalSeconds: 0.5 }, async () => {
      boss.notifyWorker(workerId);
    });
    const completed = async () =>
      ((await db.executeSql(`SELECT count(*)::int AS n FROM ${schema}.job WHERE name = $1 AND state = 'completed'`, [queue])).rows[0] as { n: number }).n;
    if (!info) info = await describe(boss, user, workload);
    const started = now();
    if (firing === 'batched') {
      for (let i = 0; i < count; i += workload.batchSize) {
        const size = Math.min(workload.batchSize, count - i);
        await boss.insert(Array.from({ length: size }, (_, j) => ({ name: queue, data: { i: i + j } })));
      }
    } else {
      await pooled(count, workload.singleInFlight, (i) => boss.send(queue, { i }));
    }
    const fireMs = now() - started;
    await until(`${count} pg-boss jobs completed`, async () => (await completed()) >= count, workload.drainTimeoutMs, 10);
    const ms = now() - started;
    const done = await completed();
    await boss.offWork(queue);
    return {
      system: `pg-boss ${info.version}`,
      firing,
      events: count,
      ms: round(ms, 1),
      eventsPerSecond: rate(count, ms),
      fireMs: round(fireMs, 1),
      verified: `job table: ${done} completed`,
    };
  } finally {
    await sleep(50);
    await db.executeSql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`, []).catch(() => undefined);
    await boss.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
  }
}

async function describe(boss: PgBoss, user: string, workload: Workload): Promise<PgBossInfo> {
  const db = boss.getDb();
  const show = async (name: string) => ((await db.executeSql(`SHOW ${name}`, [])).rows[0] as Record<string, string>)[name]!;
  return {
    version: packageVersion('pg-boss'),
    server: `PostgreSQL ${await show('server_version')}`,
    user,
    settings: {
      worker: 'one boss.work(), batchSize = concurrency, notifyWorker after each non-empty batch',
      batchSize: workload.concurrency,
      pollingIntervalSeconds: 0.5,
      synchronous_commit: await show('synchronous_commit'),
      fsync: await show('fsync'),
      supervise: false,
      schedule: false,
      retention: 'completed jobs kept (default)',
    },
  };
}
