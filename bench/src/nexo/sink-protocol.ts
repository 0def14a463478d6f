/** What a benchmark sink process is started with (JSON in argv[2]). */
export interface ChildConfig {
  hubUrl: string;
  clientId: string;
  clientSecret: string;
  name: string;
  /** How many sinks (each its own connection) this process holds. */
  count: number;
  /** How many of them connect at once. */
  parallelStarts: number;
  concurrency: number;
  inProcess: boolean;
  /** Whether the sinks get a Python runtime. */
  python: boolean;
  /** The module root. */
  modules: string;
  /** Whether to time each task's executor run (task start to result). */
  trackRuns: boolean;
}

/** Parent to sink process. */
export type ParentMessage = { type: 'collect' } | { type: 'close' };

/** Sink process to parent. */
export type ChildMessage =
  | { type: 'ready'; sinkIds: string[]; runtimes: string[] }
  | { type: 'collected'; starts: number[]; runs: Record<string, number[]> }
  | { type: 'failed'; error: string };
