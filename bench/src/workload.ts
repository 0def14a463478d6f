/** The sizes of one benchmark run: the full run or the smoke run. */
export interface Workload {
  mode: 'full' | 'smoke';
  /** Events per throughput run (batched and one by one), for us and the peers. */
  throughputEvents: number;
  /** Events per `fireBatch` call (and per `addBulk` / `insert` for the peers). */
  batchSize: number;
  /** Calls in flight when firing one by one. */
  singleInFlight: number;
  /** Tasks a worker runs at once: the sink's `concurrency`, BullMQ's `concurrency`, pg-boss's `batchSize`. */
  concurrency: number;
  /** Fixed firing rates of the latency scenario, events per second. */
  latencyRates: number[];
  /** How long each fixed rate runs, in seconds. */
  latencySeconds: number;
  /** Events queued before the backlog drain starts. */
  backlogEvents: number;
  /** Events of the empty-queue drain the backlog drain is compared with. */
  emptyDrainEvents: number;
  /** Events per `fireBatch` call while building the backlog. */
  backlogBatchSize: number;
  /** Connected sinks of the fan-in scenario, and how many a sink process holds. */
  fanInSinks: number;
  sinksPerProcess: number;
  /** Fan-in dispatch latency: events fired at `fanInRate` per second. */
  fanInEvents: number;
  fanInRate: number;
  /** Executor overhead: warm-up tasks, then measured tasks per executor, one at a time. */
  executorWarmup: number;
  executorTasks: number;
  /** Whether the peers run (`--no-peers` turns them off, e.g. for profiling). */
  peers: boolean;
  /** The longest any one wait for completions may take, in milliseconds. */
  drainTimeoutMs: number;
}

/** The full benchmark, the workload the bar is stated for. */
export const FULL: Workload = {
  mode: 'full',
  throughputEvents: 50_000,
  batchSize: 1000,
  singleInFlight: 64,
  concurrency: 64,
  latencyRates: [500, 2000],
  latencySeconds: 10,
  backlogEvents: 1_000_000,
  emptyDrainEvents: 50_000,
  backlogBatchSize: 10_000,
  fanInSinks: 200,
  sinksPerProcess: 50,
  fanInEvents: 2000,
  fanInRate: 200,
  executorWarmup: 20,
  executorTasks: 300,
  drainTimeoutMs: 2_400_000,
  peers: true,
};

/** The smoke run: every scenario on a tiny workload, in seconds, so the harness cannot rot. */
export const SMOKE: Workload = {
  mode: 'smoke',
  throughputEvents: 300,
  batchSize: 100,
  singleInFlight: 16,
  concurrency: 16,
  latencyRates: [500, 2000],
  latencySeconds: 0.1,
  backlogEvents: 1000,
  emptyDrainEvents: 300,
  backlogBatchSize: 1000,
  fanInSinks: 5,
  sinksPerProcess: 5,
  fanInEvents: 40,
  fanInRate: 500,
  executorWarmup: 2,
  executorTasks: 8,
  drainTimeoutMs: 30_000,
  peers: true,
};
