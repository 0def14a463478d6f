import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Unsubscribable } from '@trpc/server/observable';
import {
  HubMessage,
  NEXOMATIC_ERROR_CODES,
  NexomaticError,
  formatIssues,
  type ControlSignal,
  type ReportedSinkStatus,
  type HubHello,
  type Runtime,
  type SinkRegistration,
  type TaskRequest,
} from '@nexomatic/core';
import { retryDelayMs } from './backoff.js';
import { openHubConnection, type HubConnection } from './connection.js';
import type { Executor } from './executors/executor.js';
import { NodeExecutor } from './executors/node.js';
import { InProcessNodeExecutor } from './executors/in-process.js';
import { RestartableExecutor } from './executors/restartable.js';
import { availableRuntimes, probeRuntimes, routeModules } from './executors/router.js';
import { hubWebSocketUrl, resolveSinkOptions, type ResolvedSinkOptions, type SinkOptionsInput } from './options.js';
import { Reporter } from './reporter.js';
import { Heartbeat } from './heartbeat.js';
import { TaskRunner, type ResultReportInput } from './tasks.js';

/**
 * What the agent is doing: `CONNECTING` until the hub first accepts its subscription, `ONLINE`,
 * `OFFLINE` while reconnecting, `RESETTING` during a `RESET`, `KILLING` / `FORCE_KILLING` while
 * shutting down, then `CLOSED`.
 */
export type SinkAgentStatus = 'CONNECTING' | 'ONLINE' | 'OFFLINE' | 'RESETTING' | 'KILLING' | 'FORCE_KILLING' | 'CLOSED';

/** How to close a sink: `force` kills running tasks at once (`FORCE_KILL`) instead of waiting for them. */
export interface CloseOptions {
  force?: boolean;
}

/** Why a sink closed: the control signal that closed it, or the error that stopped it. */
export interface SinkClosed {
  signal?: ControlSignal;
  error?: NexomaticError;
}

/** Events a {@link Sink} emits, for embedding apps and tests. */
export interface SinkEvents {
  status: [status: SinkAgentStatus];
  /** The hub accepted the subscription (first connect and every reconnect). */
  online: [];
  /** A task attempt starts running. */
  task: [task: TaskRequest];
  /** A task attempt finished; its result report is queued. */
  result: [report: ResultReportInput];
  control: [signal: ControlSignal];
  /** The hub answered `sink.hello` (after every (re)subscribe): heartbeat interval, desired version. */
  hello: [hello: HubHello];
}

/** How long the sink waits for the hub to take a status report before carrying on. */
const STATUS_REPORT_WAIT_MS = 1000;

interface Shutdown {
  force: boolean;
  signal?: ControlSignal;
  error?: NexomaticError;
}

/**
 * A running sink agent: connected outbound to a hub, running the tasks the hub sends and reporting
 * back. Create it with {@link startSink}.
 */
export class Sink extends EventEmitter<SinkEvents> {
  /** Stable id of this sink process; a reconnect re-uses it. */
  readonly sinkId = randomUUID();
  /** Resolves once the sink has closed, with why. */
  readonly closed: Promise<SinkClosed>;
  private currentStatus: SinkAgentStatus = 'CONNECTING';
  private readonly reporter: Reporter;
  private readonly tasks: TaskRunner;
  private connection: HubConnection | undefined;
  private subscription: Unsubscribable | undefined;
  private readonly heartbeat: Heartbeat;
  private connected = false;
  private resubscribes = 0;
  private startup: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private shutdown: Promise<void> | undefined;
  /** Running tasks were killed (`FORCE_KILL`, a second SIGTERM, a SIGINT, or an error). */
  private forced = false;
  /** A `RESET` is under way: no new task is taken until the new connection. */
  private resetting = false;
  private resolveClosed!: (closed: SinkClosed) => void;
  private lastHelloAnswer: HubHello | undefined;

  private constructor(
    /** The options the sink runs with, defaults filled in. */
    readonly options: ResolvedSinkOptions,
    private readonly executor: RestartableExecutor,
    /** The runtimes this sink runs modules in (node, and python / powershell where runnable). */
    readonly runtimes: Runtime[] = ['node'],
  ) {
    super();
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.reporter = new Reporter({
      logger: options.logger,
      maxPending: options.maxPendingReports,
      send: async (reports) => {
        await this.connection!.client.sink.report.mutate({ sinkId: this.sinkId, reports });
      },
    });
    this.heartbeat = new Heartbeat(
      () => this.connection!.client.sink.heartbeat.mutate({ sinkId: this.sinkId }),
      () => this.connected,
      options.heartbeatIntervalMs,
      options.logger,
    );
    this.tasks = new TaskRunner({
      executor,
      reporter: this.reporter,
      logger: options.logger,
      onTask: (task) => this.emit('task', task),
      onResult: (report) => this.emit('result', report),
      resolveSecret: async ({ eventId, attempt }, key) =>
        (await this.connection!.client.sink.resolveSecret.mutate({ sinkId: this.sinkId, eventId, attempt, key })).value,
    });
  }

  /** How often the sink sends its heartbeat: its option until the hub says otherwise. */
  get heartbeatIntervalMs(): number {
    return this.heartbeat.intervalMs;
  }

  /** Validates options, starts the executors and connects; resolves once the hub accepted the sink. */
  static async start(input: SinkOptionsInput): Promise<Sink> {
    const options = resolveSinkOptions(input);
    const probes = await probeRuntimes(options);
    // A RESET calls the factory again: new runner processes, modules imported afresh.
    const executor = await RestartableExecutor.start(
      async (): Promise<Executor> =>
        routeModules(
          options.inProcess
            ? await InProcessNodeExecutor.start({ moduleRoots: options.modules, logger: options.logger })
            : await NodeExecutor.start({ size: options.concurrency, moduleRoots: options.modules, logger: options.logger }),
          probes,
          { ...options, moduleRoots: options.modules },
        ),
    );
    const sink = new Sink(options, executor, availableRuntimes(probes));
    await sink.connect();
    return sink;
  }

  /** The hub's latest answer to `sink.hello`, once one arrived. */
  get lastHello(): HubHello | undefined {
    return this.lastHelloAnswer;
  }

  /** What the agent is doing now. */
  get status(): SinkAgentStatus {
    return this.currentStatus;
  }

  /** The display name the sink registered with. */
  get name(): string {
    return this.options.name;
  }

  /** How many task attempts run now. */
  get runningTasks(): number {
    return this.tasks.runningCount;
  }

  /**
   * Closes gracefully (like `KILL`): takes no more tasks, waits for running ones, sends their
   * reports, disconnects. With `force` (like `FORCE_KILL`), running tasks are killed at once and
   * end `ERROR` with code `KILLED`; a graceful close under way is escalated.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    await this.stop({ force: options.force === true });
  }

  private connect(): Promise<void> {
    const { options } = this;
    const started = new Promise<void>((resolve, reject) => (this.startup = { resolve, reject }));
    this.open();
    this.heartbeat.start();
    const onAbort = (): void => {
      if (this.startup) this.fail(new NexomaticError('CLOSED', 'startSink was aborted'));
      else void this.close();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    return started;
  }

  /** Opens a new connection to the hub and subscribes on it. */
  private open(): void {
    const { options } = this;
    this.connection = openHubConnection(hubWebSocketUrl(options.hubUrl, options.wsPath), options, {
      onRefused: (statusCode) => {
        const check = options.tenantUuid ? 'CLIENT_SECRET, TENANT_UUID and TENANT_SECRET' : 'CLIENT_SECRET';
        const message = `hub refused credentials for CLIENT_ID ${options.clientId} (HTTP ${statusCode}): check ${check}`;
        this.fail(new NexomaticError('UNAUTHENTICATED', message, { details: { statusCode } }));
      },
      onDisconnected: () => {
        this.connected = false;
        if (this.currentStatus === 'ONLINE') this.setStatus('OFFLINE');
        options.logger.warn('disconnected from the hub; reconnecting');
      },
    });
    this.subscribe();
  }

  private subscribe(): void {
    const registration: SinkRegistration = {
      sinkId: this.sinkId,
      name: this.options.name,
      version: this.options.version,
      runtimes: this.runtimes,
      modules: [],
      concurrency: this.options.concurrency,
    };
    const connection = this.connection!;
    // A RESET replaces the connection: the old one's late callbacks are ignored.
    const current = (): boolean => connection === this.connection;
    this.subscription = connection.client.sink.tasks.subscribe(registration, {
      onStarted: () => {
        if (!current()) return;
        this.connected = true;
        this.resubscribes = 0;
        if (!this.shutdown) this.setStatus('ONLINE');
        // Back after a hub restart while draining: tell the new session too, so it sends nothing new.
        else void this.reportStatus(this.currentStatus);
        this.options.logger.info('registered with the hub', { sinkId: this.sinkId, name: this.options.name });
        this.reporter.resume();
        void this.connection!.client.sink.hello
          .query()
          .then((hello) => {
            this.heartbeat.adopt(hello.heartbeatIntervalMs);
            this.lastHelloAnswer = hello;
            this.emit('hello', hello);
          })
          .catch((error: Error) => this.options.logger.debug('hello failed', { error: error.message }));
        this.startup?.resolve();
        this.startup = undefined;
        this.emit('online');
      },
      onData: ({ data }) => current() && this.receive(data),
      onError: (error) => {
        if (!current()) return;
        // The hub's errors carry the NexomaticError code in `data.nexomatic.code`.
        const code = (error.data as { nexomatic?: { code?: unknown } } | undefined)?.nexomatic?.code;
        const known = NEXOMATIC_ERROR_CODES.find((c) => c === code) ?? 'INTERNAL';
        this.fail(new NexomaticError(known, `the hub ended the task subscription: ${error.message}`, { cause: error }));
      },
      onComplete: () => {
        if (this.shutdown || !current()) return;
        // The hub stopped the subscription without closing the socket: register again.
        const delay = retryDelayMs(++this.resubscribes);
        this.options.logger.warn('the hub stopped the task subscription; registering again', { retryInMs: delay });
        setTimeout(() => this.shutdown || this.subscribe(), delay).unref();
      },
    });
  }

  private receive(data: unknown): void {
    const parsed = HubMessage.safeParse(data);
    if (!parsed.success) {
      const problem = formatIssues(parsed.error.issues);
      this.options.logger.error('invalid message from the hub', { problem });
      this.tasks.reject(data, problem);
      return;
    }
    const message = parsed.data;
    if (message.kind === 'task') this.tasks.take(message.task, !this.shutdown && !this.resetting);
    else if (message.kind === 'cancel') this.tasks.cancel(message);
    else this.control(message.signal);
  }

  private control(signal: ControlSignal): void {
    this.options.logger.info(`control signal ${signal}`, { sinkId: this.sinkId });
    this.emit('control', signal);
    if (signal === 'KILL') void this.stop({ force: false, signal });
    else if (signal === 'FORCE_KILL') void this.stop({ force: true, signal });
    else void this.reset();
  }

  /**
   * `RESET`: status `RESETTING` (the hub sends nothing new), running tasks finish and their reports
   * are sent, the executor is replaced (new runner processes, modules imported afresh), and the sink
   * reconnects on a new socket, which makes it `ONLINE` again. A `KILL` meanwhile wins.
   */
  private async reset(): Promise<void> {
    if (this.shutdown || this.resetting) return;
    const { logger, drainTimeoutMs } = this.options;
    this.resetting = true;
    this.setStatus('RESETTING');
    await this.reportStatus('RESETTING');
    try {
      await this.tasks.settled();
      await this.reporter.drain(drainTimeoutMs);
      if (this.shutdown) return;
      await this.executor.restart();
      if (this.shutdown) return;
      logger.info('reset: executors restarted; reconnecting');
      const old = { subscription: this.subscription, connection: this.connection };
      this.connected = false;
      old.subscription?.unsubscribe();
      await old.connection?.close().catch(() => undefined);
      // Tasks the hub re-sends on the new connection are taken again.
      this.resetting = false;
      if (!this.shutdown) this.open();
    } catch (error) {
      this.fail(new NexomaticError('INTERNAL', `RESET failed: ${(error as Error).message}`, { cause: error }));
    } finally {
      this.resetting = false;
    }
  }

  /**
   * Tells the hub what the sink is doing (`sink.status`), so it stops or resumes dispatching to it.
   * Waits at most a second: a hub out of reach learns it on the next connection, or not at all.
   */
  private async reportStatus(status: SinkAgentStatus): Promise<void> {
    if (!isReported(status)) return;
    const connection = this.connection;
    if (!connection) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      connection.client.sink.status
        .mutate({ sinkId: this.sinkId, status })
        .catch((error: Error) => this.options.logger.debug('status report failed', { status, error: error.message })),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, STATUS_REPORT_WAIT_MS).unref())),
    ]);
    clearTimeout(timer);
  }

  private fail(error: NexomaticError): void {
    if (this.startup) {
      this.startup.reject(error);
      this.startup = undefined;
    }
    if (!this.shutdown) this.options.logger.error(error.message, { code: error.code });
    void this.stop({ force: true, error });
  }

  private stop(how: Shutdown): Promise<void> {
    if (this.shutdown) {
      // A graceful close under way becomes a forced one (a second SIGTERM, a FORCE_KILL).
      if (how.force) this.killRunning(how.error);
      return this.shutdown;
    }
    this.shutdown = this.shutDown(how);
    return this.shutdown;
  }

  /** Kills every running task at once: `ERROR` `KILLED` (or `CLOSED` when an error stops the sink). */
  private killRunning(error?: NexomaticError): void {
    if (this.forced) return;
    this.forced = true;
    this.setStatus('FORCE_KILLING');
    if (!error) void this.reportStatus('FORCE_KILLING');
    const [code, message] = error ? ['CLOSED', `sink stopped: ${error.message}`] : ['KILLED', 'task killed by FORCE_KILL'];
    this.executor.killAll(code, message);
  }

  private async shutDown({ force, signal, error }: Shutdown): Promise<void> {
    const { logger } = this.options;
    if (force) this.killRunning(error);
    else {
      this.setStatus('KILLING');
      if (!error) await this.reportStatus('KILLING');
    }
    await this.tasks.settled();
    this.heartbeat.stop();
    const unsent = error?.code === 'UNAUTHENTICATED' ? this.reporter.pending : await this.reporter.drain(this.options.drainTimeoutMs);
    if (unsent > 0) logger.error(`${unsent} reports could not be sent to the hub before closing`);
    this.reporter.stop();
    this.subscription?.unsubscribe();
    await this.connection?.close().catch(() => undefined);
    await this.executor.close();
    this.setStatus('CLOSED');
    logger.info('sink closed', { sinkId: this.sinkId, ...(signal ? { signal } : {}), ...(error ? { error: error.code } : {}) });
    this.resolveClosed({ ...(signal ? { signal } : {}), ...(error ? { error } : {}) });
  }

  private setStatus(status: SinkAgentStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit('status', status);
  }
}

function isReported(status: SinkAgentStatus): status is ReportedSinkStatus {
  return status === 'ONLINE' || status === 'RESETTING' || status === 'KILLING' || status === 'FORCE_KILLING';
}

/**
 * Starts a sink agent: validates `options` (a `VALIDATION` error names the field), starts the node
 * executor's process pool, connects to the hub and registers. Resolves once the hub accepted the
 * sink; rejects with `UNAUTHENTICATED` when the hub refuses the credentials (no retry loop).
 *
 * @example
 * ```ts
 * const sink = await startSink({ hubUrl: 'http://127.0.0.1:4000', clientId: 'LOCAL:BASE', clientSecret });
 * await sink.closed;
 * ```
 */
export function startSink(options: SinkOptionsInput): Promise<Sink> {
  return Sink.start(options);
}
