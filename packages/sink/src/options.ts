import { hostname } from 'node:os';
import { z } from 'zod';
import { NexomaticError, SinkTypeName, parse, silentLogger, type Logger } from '@nexomatic/core';
import packageJson from '../package.json' with { type: 'json' };

const isLogger = (value: unknown): value is Logger =>
  typeof value === 'object' &&
  value !== null &&
  ['debug', 'info', 'warn', 'error'].every((level) => typeof (value as Record<string, unknown>)[level] === 'function');

const HubUrl = z
  .string()
  .min(1)
  .refine((value) => URL.canParse(value) && /^(https?|wss?):$/.test(new URL(value).protocol), {
    message: 'must be an http(s) URL of the hub, e.g. http://127.0.0.1:4000',
  });

/**
 * The options of {@link startSink}, with their defaults. Every default lives here and nowhere else.
 */
export const SinkOptions = z.object({
  /** Base URL of the hub, e.g. `http://127.0.0.1:4000` or `https://hub.example.com/nexomatic/`. */
  hubUrl: HubUrl,
  /**
   * Path of the hub's WebSocket on its host.
   * @default `<path of hubUrl>/ws`, i.e. `/ws` for a hub URL without a path
   */
  wsPath: z.string().startsWith('/', 'must start with /').optional(),
  /** The Sink Type name this agent runs as (`CLIENT_ID`), e.g. `LOCAL:BASE`. */
  clientId: SinkTypeName,
  /** The secret of that Sink Type (`CLIENT_SECRET`). */
  clientSecret: z.string().min(1, 'must not be empty'),
  /** Pins the sink to one tenant (`TENANT_UUID`). */
  tenantUuid: z.uuid().optional(),
  /** Required when the tenant enforces node auth (`TENANT_SECRET`). */
  tenantSecret: z.string().min(1, 'must not be empty').optional(),
  /**
   * Display name of this sink on the hub.
   * @default `<hostname>-<pid>`
   */
  name: z.string().min(1).max(200).default(() => `${hostname()}-${process.pid}`),
  /**
   * Directories module import paths are resolved against, in order.
   * @default [process.cwd()]
   */
  modules: z.array(z.string().min(1)).min(1).default(() => [process.cwd()]),
  /**
   * Most tasks run at once; also the size of the node executor's process pool.
   * @default 4
   */
  concurrency: z.number().int().min(1).max(1000).default(4),
  /**
   * The Python interpreter for `.py` modules; the sink runs Python modules when it is Python 3.9+.
   * @default 'python3'
   */
  pythonPath: z.string().min(1).default('python3'),
  /**
   * The PowerShell 7 executable for `.ps1` / `.psm1` modules; the sink runs them when it is runnable.
   * @default 'pwsh'
   */
  pwshPath: z.string().min(1).default('pwsh'),
  /**
   * Runs node modules in the agent's own process instead of child processes: for trusted, hot
   * paths only. Same `ctx` contract, but a timeout or `FORCE_KILL` cannot kill a module (the task
   * ends `ERROR` at once and the module is abandoned), module output is not captured, and a module
   * that blocks the event loop stalls the agent. See `InProcessNodeExecutor`.
   * @default false
   */
  inProcess: z.boolean().default(false),
  /**
   * How often the sink sends a heartbeat, which extends the leases of all its tasks.
   * @default 5000
   */
  heartbeatIntervalMs: z.number().int().min(100).max(600_000).default(5000),
  /**
   * How long `close()` waits for unsent reports to reach the hub before giving up on them.
   * @default 10000
   */
  drainTimeoutMs: z.number().int().min(0).max(600_000).default(10_000),
  /**
   * Most reports the sink holds while the hub is unreachable. When full it drops the oldest log
   * records first (never a `started` or `result` report) and tells the hub, per task, how many.
   * @default 10000
   */
  maxPendingReports: z.number().int().min(1).max(10_000_000).default(10_000),
  /**
   * Most bytes of reports (as JSON) the sink holds while the hub is unreachable; past it the oldest
   * log records give way, as with `maxPendingReports`.
   * @default 67108864 (64 MiB)
   */
  maxPendingReportBytes: z.number().int().min(64 * 1024).max(16 * 1024 ** 3).default(64 * 1024 * 1024),
  /**
   * Most bytes of log (messages and fields) one task attempt sends. Past it the rest of that
   * attempt's log is dropped, not buffered, and the log ends with a `log truncated: N bytes
   * dropped` record (level `warning`).
   * @default 10485760 (10 MiB)
   */
  maxLogBytesPerTask: z.number().int().min(1024).max(16 * 1024 ** 3).default(10 * 1024 * 1024),
  /**
   * Where the agent writes its own log lines.
   * @default silentLogger
   */
  logger: z.custom<Logger>(isLogger, 'must be a Logger (debug, info, warn, error)').default(() => silentLogger),
  /**
   * The version the sink announces to the hub.
   * @default the version of @nexomatic/sink
   */
  version: z.string().min(1).max(50).default(packageJson.version),
  /** Aborts a `startSink` still waiting for the hub (it rejects with `CLOSED`); later, closes the sink gracefully. */
  signal: z.instanceof(AbortSignal).optional(),
});

/** The options of {@link startSink} as a caller passes them. */
export type SinkOptionsInput = z.input<typeof SinkOptions>;
/** The options of {@link startSink} with every default filled in. */
export type ResolvedSinkOptions = z.output<typeof SinkOptions>;

/** Validates sink options and fills in defaults; throws a `VALIDATION` error naming each bad field. */
export function resolveSinkOptions(input: SinkOptionsInput): ResolvedSinkOptions {
  return parse(SinkOptions, input, 'sink options');
}

/**
 * The WebSocket URL of the hub: `http` becomes `ws`, `https` becomes `wss`, and the path is `wsPath`
 * or else the hub URL's path followed by `ws` (the hub serves its WebSocket at `${basePath}ws`).
 */
export function hubWebSocketUrl(hubUrl: string, wsPath?: string): string {
  const url = new URL(hubUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new NexomaticError('VALIDATION', `invalid sink options: hubUrl: unsupported protocol ${url.protocol}`);
  }
  url.pathname = wsPath ?? `${url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`}ws`;
  url.search = '';
  url.hash = '';
  return url.toString();
}
