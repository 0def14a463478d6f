import type { ReportInput, TaskKey } from '@nexomatic/core';

/** How many finished task attempts a sink remembers for de-duplication. */
export const FINISHED_MEMORY = 1000;

type ResultInput = Extract<ReportInput, { kind: 'result' }>;

/**
 * The task attempts this sink process has seen, keyed by `(eventId, attempt)`: running ones, and the
 * last {@link FINISHED_MEMORY} finished ones with their result report. The hub re-sends every task a
 * sink holds on each (re)subscribe; the book is how the sink runs each attempt once. (The hub only
 * holds a task until its result arrives, so a short memory of finished attempts is enough.)
 */
export class TaskBook {
  /** Running attempts, with the controller that stops each. */
  private readonly running = new Map<string, AbortController>();
  private readonly finished = new Map<string, ResultInput>();

  /** The key of a task attempt. */
  static key(task: TaskKey): string {
    return `${task.eventId}#${task.attempt}`;
  }

  /** How many attempts run now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** True when the attempt runs now. */
  isRunning(task: TaskKey): boolean {
    return this.running.has(TaskBook.key(task));
  }

  /** The result report of a finished attempt, if this process finished it. */
  resultOf(task: TaskKey): ResultInput | undefined {
    return this.finished.get(TaskBook.key(task));
  }

  /** The controller that stops a running attempt, if it runs. */
  controllerOf(task: TaskKey): AbortController | undefined {
    return this.running.get(TaskBook.key(task));
  }

  /** The controllers of every running attempt. */
  runningControllers(): AbortController[] {
    return [...this.running.values()];
  }

  /** Records that an attempt started; aborting `controller` stops it. */
  start(task: TaskKey, controller: AbortController): void {
    this.running.set(TaskBook.key(task), controller);
  }

  /**
   * Records that an attempt finished with this result report (or, for a cancelled attempt the sink
   * never ran, the result it answers a later re-send with).
   */
  finish(result: ResultInput): void {
    const key = TaskBook.key(result);
    this.running.delete(key);
    this.finished.set(key, result);
    if (this.finished.size > FINISHED_MEMORY) this.finished.delete(this.finished.keys().next().value!);
  }
}
