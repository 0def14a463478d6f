import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { HubMessage, NexomaticError, formatIssues, type ControlSignal, type HubHello, type Runtime } from '@nexomatic/core';
import { HubLink } from './hub-link.js';
import { isReported, type CloseOptions, type Shutdown, type SinkAgentStatus, type SinkClosed, type SinkEvents } from './sink-types.js';
import type { Executor } from './executors/executor.js';
import { NodeExecutor } from './executors/node.js';
import { InProcessNodeExecutor } from './executors/in-process.js';
import { RestartableExecutor } from './executors/restartable.js';
import { availableRuntimes, probeRuntimes, routeModules } from './executors/router.js';
import { resolveSinkOptions, type ResolvedSinkOptions, type SinkOptionsInput } from './options.js';
import { Reporter } from './reporter.js';
import { Heartbeat } from './heartbeat.js';
import { TaskRunner } from './tasks.js';
import { TracingExecutor } from './tracing.js';

export type { SinkAgentStatus, CloseOptions, SinkClosed, SinkEvents } from './sink-types.js';

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
  private readonly link: HubLink;
  private readonly heartbeat: Heartbeat;
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
    this.link = new HubLink(options, this.sinkId, runtimes, {
      onStarted: () => this.online(),
      onData: (data) => this.receive(data),
      onDisconnected: () => {
        if (this.currentStatus === 'ONLINE') this.setStatus('OFFLINE');
        options.logger.warn('disconnected from the hub; reconnecting');
      },
      onFailed: (error) => this.fail(error),
      stopping: () => this.shutdown !== undefined,
    });
    this.reporter = new Reporter({
      logger: options.logger,
      maxPending: options.maxPendingReports,
      maxPendingBytes: options.maxPendingReportBytes,
      send: async (reports, signal) => {
        await this.link.client.sink.report.mutate({ sinkId: this.sinkId, reports }, { signal });
      },
    });
    this.heartbeat = new Heartbeat(
      () => this.link.client.sink.heartbeat.mutate({ sinkId: this.sinkId }),
      () => this.link.connected,
      options.heartbeatIntervalMs,
      options.logger,
    );
    this.tasks = new TaskRunner({
      executor,
      reporter: this.reporter,
      logger: options.logger,
      maxLogBytesPerTask: options.maxLogBytesPerTask,
      onTask: (task) => this.emit('task', task),
      onResult: (report) => this.emit('result', report),
      resolveSecret: async ({ eventId, attempt }, key) =>
        (await this.link.client.sink.resolveSecret.mutate({ sinkId: this.sinkId, eventId, attempt, key })).value,
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
        // Every attempt runs inside its OpenTelemetry `run` span (see tracing.ts).
        new TracingExecutor(
          routeModules(
            options.inProcess
              ? await InProcessNodeExecutor.start({ moduleRoots: options.modules, logger: options.logger })
              : await NodeExecutor.start({ size: options.concurrency, moduleRoots: options.modules, logger: options.logger }),
            probes,
            { ...options, moduleRoots: options.modules },
          ),
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
    this.link.open();
    this.heartbeat.start();
    const onAbort = (): void => {
      if (this.startup) this.fail(new NexomaticError('CLOSED', 'startSink was aborted'));
      else void this.close();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    return started;
  }

  /** The hub accepted the subscription (first connect, reconnect, or after a `RESET`). */
  private online(): void {
    if (!this.shutdown) this.setStatus('ONLINE');
    // Back after a hub restart while draining: tell the new session too, so it sends nothing new.
    else void this.reportStatus(this.currentStatus);
    this.options.logger.info('registered with the hub', { sinkId: this.sinkId, name: this.options.name });
    this.reporter.resume();
    void this.link.client.sink.hello
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
  }

  private receive(data: unknown): void {
    const parsed = HubMessage.safeParse(data);
    const batch = (data as { kind?: unknown; tasks?: unknown } | null)?.tasks;
    if (!parsed.success && (data as { kind?: unknown } | null)?.kind === 'tasks' && Array.isArray(batch)) {
      // Judge each Task Request of an invalid batch alone, so the valid ones run and each invalid
      // one is answered with its own VALIDATION error.
      for (const task of batch as unknown[]) this.receive({ kind: 'task', task });
      return;
    }
    if (!parsed.success) {
      const problem = formatIssues(parsed.error.issues);
      this.options.logger.error('invalid message from the hub', { problem });
      this.tasks.reject(data, problem);
      return;
    }
    const message = parsed.data;
    if (message.kind === 'task') this.tasks.take(message.task, !this.shutdown && !this.resetting);
    else if (message.kind === 'tasks') for (const task of message.tasks) this.tasks.take(task, !this.shutdown && !this.resetting);
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
      await this.link.close();
      // Tasks the hub re-sends on the new connection are taken again.
      this.resetting = false;
      if (!this.shutdown) this.link.open();
    } catch (error) {
      this.fail(new NexomaticError('INTERNAL', `RESET failed: ${(error as Error).message}`, { cause: error }));
    } finally {
      this.resetting = false;
    }
  }

  /** Reports the statuses the hub knows (`sink.status`); waits at most a second. */
  private reportStatus(status: SinkAgentStatus): Promise<void> {
    return isReported(status) ? this.link.reportStatus(status) : Promise.resolve();
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
    this.tasks.killAll(code, message);
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
    await this.link.close();
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
