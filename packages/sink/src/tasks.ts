import { SecretMask, maskReport, type HubMessage, type Logger, type ReportInput, type TaskKey, type TaskRequest } from '@nexomatic/core';
import { fitResult } from './result-limits.js';
import { abortReason, errorOutcome, type Executor, type TaskAbortReason, type TaskHooks, type TaskLog } from './executors/executor.js';
import { DEFAULT_MAX_LOG_BYTES_PER_TASK, LogBudget } from './log-budget.js';
import type { Reporter } from './reporter.js';
import { taskSecrets, withSecretParams, type ResolveSecret } from './secrets.js';
import { TaskBook } from './task-book.js';

/** A result report as the sink sends it. */
export type ResultReportInput = Extract<ReportInput, { kind: 'result' }>;

/** The hub's order to stop one task attempt. */
export type CancelMessage = Extract<HubMessage, { kind: 'cancel' }>;

/** The longest delay a Node timer takes (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of a {@link TaskRunner}. */
export interface TaskRunnerOptions {
  executor: Executor;
  reporter: Reporter;
  logger: Logger;
  /** A task attempt starts running. */
  onTask(task: TaskRequest): void;
  /** A task attempt finished; its result report is queued. */
  onResult(report: ResultReportInput): void;
  /** Resolves a secret through the hub; absent, tasks that need one end `ERROR` `FORBIDDEN`. */
  resolveSecret?: ResolveSecret;
  /**
   * Most bytes of log (messages and fields) one attempt sends; past it the log is truncated and
   * ends with a `log truncated: N bytes dropped` record. @default DEFAULT_MAX_LOG_BYTES_PER_TASK (10 MiB)
   */
  maxLogBytesPerTask?: number;
}

/** Why a task that ran past its `timeoutMs` was killed. */
export function timeoutReason(timeoutMs: number): TaskAbortReason {
  return { code: 'TIMEOUT', message: `task ran longer than its timeout of ${timeoutMs} ms; its module process was killed` };
}

/** Why a task the hub cancelled was stopped, by the hub's reason. */
export function cancelReason(reason: CancelMessage['reason']): TaskAbortReason {
  return reason === 'TIMEOUT'
    ? { code: 'TIMEOUT', message: 'the hub timed the task out; its module process was killed' }
    : { code: 'CANCELLED', message: 'the task was cancelled; its module process was killed' };
}

/**
 * Runs the sink's task attempts: each `(eventId, attempt)` once, whatever the hub re-sends. It
 * reports `started`, the logs and the result of each, kills one that runs past its `timeoutMs`
 * (`ERROR` `TIMEOUT`), and stops one the hub cancels (`ERROR` with the hub's reason). An attempt
 * cancelled before it arrived, or re-sent after it was cancelled, is never run: its re-sends are
 * answered with the cancel's `ERROR` result.
 */
export class TaskRunner {
  private readonly book = new TaskBook();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: TaskRunnerOptions) {}

  /** How many attempts run now. */
  get runningCount(): number {
    return this.book.runningCount;
  }

  /** Resolves once every attempt running now has finished and its result is queued. */
  async settled(): Promise<void> {
    await Promise.all(this.running);
  }

  /**
   * Takes a Task Request: runs it, unless it runs already (ignored) or finished already (its result
   * is sent again). With `accepting` false (shutting down) a new attempt is not taken.
   */
  take(task: TaskRequest, accepting: boolean): void {
    const { logger, reporter, executor } = this.options;
    const { eventId, attempt } = task;
    if (this.book.isRunning(task)) {
      logger.debug('task already running; ignoring the re-send', { eventId, attempt });
      return;
    }
    const done = this.book.resultOf(task);
    if (done) {
      logger.debug('task already finished; sending its result again', { eventId, attempt });
      reporter.enqueue(done);
      return;
    }
    if (!accepting) {
      logger.warn('shutting down; task not taken', { eventId, attempt });
      return;
    }
    const controller = new AbortController();
    this.book.start(task, controller);
    this.options.onTask(task);
    reporter.enqueue({ kind: 'started', eventId, attempt, at: new Date().toISOString() });
    const timer = setTimeout(() => {
      logger.warn('task timed out; killing it', { eventId, attempt, timeoutMs: task.timeoutMs });
      controller.abort(timeoutReason(task.timeoutMs));
    }, Math.min(task.timeoutMs, MAX_TIMER_MS));
    let seq = 0;
    // Every value resolved for this attempt is masked in everything the sink sends for it.
    const mask = new SecretMask();
    const secret = taskSecrets(task, this.options.resolveSecret, controller.signal, (value) => mask.add(value));
    // Past its budget an attempt's log is dropped, not buffered: memory stays bounded.
    const budget = new LogBudget(this.options.maxLogBytesPerTask ?? DEFAULT_MAX_LOG_BYTES_PER_TASK);
    const send = (log: TaskLog) => reporter.enqueue(maskReport({ kind: 'log', record: { ...log, eventId, attempt, seq: seq++ } }, mask));
    const onLog: TaskHooks['onLog'] = (log) => {
      if (budget.admit(log)) send(log);
    };
    const run = withSecretParams(task, secret)
      .then((prepared) => prepared.outcome ?? executor.run(prepared.task, { onLog, signal: controller.signal, secret }))
      .then((outcome) => {
        clearTimeout(timer);
        const marker = budget.marker();
        if (marker) {
          logger.warn('task log truncated', { eventId, attempt, ...marker.fields });
          send(marker);
        }
        // Once stopped, the attempt ends with the stop's error, even if the module just finished.
        const stopped = controller.signal.aborted ? abortReason(controller.signal) : undefined;
        const final = stopped ? errorOutcome(stopped.code, stopped.message, outcome.warnings) : outcome;
        const report: ResultReportInput = fitResult(maskReport({ kind: 'result', eventId, attempt, ...final }, mask));
        this.book.finish(report);
        reporter.enqueue(report);
        this.options.onResult(report);
      })
      .catch((error: unknown) => logger.error('task result could not be handled', { eventId, attempt, error: String(error) }));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /**
   * Stops every attempt taken and not finished, wherever it is: in a module process (killed), queued
   * for one, or still before the executor (resolving its secrets): each ends `ERROR` with `code`.
   * Without this, an attempt taken just before a `FORCE_KILL` would reach the executor after its
   * `killAll` and run on, and the sink would wait for it forever.
   */
  killAll(code: string, message: string): void {
    const reason: TaskAbortReason = { code, message };
    for (const controller of this.book.runningControllers()) controller.abort(reason);
  }

  /**
   * The hub's cancel: kills the attempt at once if it runs (it ends `ERROR` with the hub's reason);
   * if it finished, its result stands; if it has not arrived, it will not run when it does.
   */
  cancel({ eventId, attempt, reason }: CancelMessage): void {
    const { logger } = this.options;
    const key: TaskKey = { eventId, attempt };
    const stop = cancelReason(reason);
    const controller = this.book.controllerOf(key);
    if (controller) {
      logger.info(`task ${reason === 'TIMEOUT' ? 'timed out' : 'cancelled'} by the hub; killing it`, { eventId, attempt });
      controller.abort(stop);
      return;
    }
    if (this.book.resultOf(key)) {
      logger.debug('cancel for a finished task; its result stands', { eventId, attempt });
      return;
    }
    logger.debug('cancel for a task not taken; it will not run', { eventId, attempt, reason });
    this.book.finish({ kind: 'result', eventId, attempt, ...errorOutcome(stop.code, stop.message) });
  }

  /**
   * Answers a Task Request that failed validation with `ERROR` `VALIDATION`, when it has at least
   * an event id and attempt to report against.
   */
  reject(data: unknown, problem: string): void {
    const task = (data as { task?: { eventId?: unknown; attempt?: unknown } } | null)?.task;
    if (typeof task?.eventId !== 'string' || !Number.isInteger(task.attempt) || (task.attempt as number) < 1) return;
    const report: ResultReportInput = {
      kind: 'result',
      eventId: task.eventId,
      attempt: task.attempt as number,
      outcome: 'ERROR',
      error: { code: 'VALIDATION', message: `invalid Task Request: ${problem}` },
    };
    this.book.finish(report);
    this.options.reporter.enqueue(report);
  }
}
