import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { ThroughputRun } from '../nexo/nexomatic.js';
import { now, pooled, rate, round, until } from '../stats.js';
import type { Workload } from '../workload.js';
import { probeTcp } from './probe.js';
import { packageVersion } from '../versions.js';

const HOST = '127.0.0.1';
/** BENCH_REDIS_PORT overrides the port (e.g. to see the skip when Redis is away). */
const PORT = Number(process.env.BENCH_REDIS_PORT ?? 6379);

/** What the report prints about the BullMQ peer. */
export interface BullmqInfo {
  version: string;
  server: string;
  client: string;
  settings: Record<string, string | number | boolean>;
}

let info: BullmqInfo | null = null;

/** Null when Redis answers on 127.0.0.1:6379, else why not. */
export function probeBullmq(): Promise<string | null> {
  return probeTcp(HOST, PORT);
}

/** The BullMQ peer's versions and settings, once a run has connected. */
export function bullmqInfo(): BullmqInfo | null {
  return info;
}

/** A connection for one Queue or Worker: BullMQ's usual ioredis settings. */
function connection(): ConnectionOptions {
  return { host: HOST, port: PORT, maxRetriesPerRequest: null };
}

/**
 * BullMQ end to end: a queue with a name unique to this run, one Worker with `concurrency` and a
 * no-op processor, N jobs added in batches (`addBulk`) or one by one (`add`); time until the worker
 * has completed all (its `completed` event follows the job's move to the completed set). Completed
 * jobs are kept, like our events. The queue is obliterated before and after.
 */
export async function bullmqThroughput(workload: Workload, firing: ThroughputRun['firing']): Promise<ThroughputRun> {
  const name = `nexobench-${process.pid}-${Date.now().toString(36)}`;
  const queue = new Queue(name, { connection: connection() });
  let completed = 0;
  let failed = 0;
  let worker: Worker | undefined;
  try {
    await queue.waitUntilReady();
    await queue.obliterate({ force: true });
    worker = new Worker(name, async () => null, { connection: connection(), concurrency: workload.concurrency });
    worker.on('completed', () => completed++);
    worker.on('failed', () => failed++);
    worker.on('error', () => undefined);
    await worker.waitUntilReady();
    if (!info) info = await describe(workload);
    const count = workload.throughputEvents;
    const started = now();
    if (firing === 'batched') {
      for (let i = 0; i < count; i += workload.batchSize) {
        const size = Math.min(workload.batchSize, count - i);
        await queue.addBulk(Array.from({ length: size }, (_, j) => ({ name: 'noop', data: { i: i + j } })));
      }
    } else {
      await pooled(count, workload.singleInFlight, (i) => queue.add('noop', { i }));
    }
    const fireMs = now() - started;
    await until(`${count} BullMQ jobs completed`, () => completed + failed >= count, workload.drainTimeoutMs);
    const ms = now() - started;
    if (failed > 0) throw new Error(`${failed} BullMQ jobs failed`);
    const counts = await queue.getJobCounts('completed');
    return {
      system: `BullMQ ${info.version}`,
      firing,
      events: count,
      ms: round(ms, 1),
      eventsPerSecond: rate(count, ms),
      fireMs: round(fireMs, 1),
      verified: `Redis: ${counts.completed} completed`,
    };
  } finally {
    await worker?.close(true).catch(() => undefined);
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close().catch(() => undefined);
  }
}

async function describe(workload: Workload): Promise<BullmqInfo> {
  const client = new Redis({ host: HOST, port: PORT, lazyConnect: true });
  await client.connect();
  try {
    const server = await client.info('server');
    const version = /redis_version:([^\r\n]+)/.exec(server)?.[1] ?? 'unknown';
    const config = async (key: string) => ((await client.config('GET', key)) as string[])[1] ?? 'unknown';
    const appendonly = await config('appendonly');
    const appendfsync = await config('appendfsync');
    const save = await config('save');
    const durability =
      appendonly === 'yes'
        ? `AOF, fsync ${appendfsync === 'always' ? 'per write' : appendfsync}`
        : save === ''
          ? 'none: this Redis persists nothing (appendonly no, save ""), a restart loses every job'
          : `RDB snapshots only (save "${save}")`;
    return {
      version: packageVersion('bullmq'),
      server: `Redis ${version}`,
      client: `ioredis ${packageVersion('ioredis')}`,
      settings: {
        concurrency: workload.concurrency,
        workers: 1,
        removeOnComplete: false,
        appendonly,
        appendfsync,
        save,
        durability,
      },
    };
  } finally {
    client.disconnect();
  }
}
