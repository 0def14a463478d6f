import type { EventRecord, HubMessage, SinkRegistration, SinkStatus, TaskKey, TaskRequest } from '@nexomatic/core';
import type { SinkPrincipal } from '../auth/sink-credentials.js';

/**
 * The most Task Requests the hub puts in one `tasks` message (the wire allows more): with payloads
 * up to the HTTP API's 1 MiB a message stays well under a WebSocket client's usual 100 MiB limit.
 */
export const TASKS_PER_MESSAGE = 64;

/** The key of one task attempt, `eventId:attempt`. */
export function taskKey(task: TaskKey): string {
  return `${task.eventId}:${task.attempt}`;
}

/** The key of an event's current attempt. */
export function attemptKey(event: Pick<EventRecord, 'id' | 'attempt'>): string {
  return `${event.id}:${event.attempt}`;
}

/**
 * How far back a sink's finished tasks count toward how many tasks the hub stages for it (see
 * {@link SinkSession.stageRoom}), in milliseconds.
 */
export const STAGE_WINDOW_MS = 100;

/** A Task Request claimed for a sink with no free credit, waiting for one (see {@link SinkSession.stage}). */
export interface StagedTask {
  task: TaskRequest;
  record: EventRecord;
  /** When it was staged (`Date.now()`). */
  at: number;
}

/**
 * One connected sink, as the dispatcher sees it: what it registered, the tasks it holds, the tasks
 * staged for it, and the queue of messages its subscription has not yet sent. The queue never holds
 * more tasks than the sink's concurrency, because tasks are only pushed against free credits.
 */
export class SinkSession {
  /** Tasks sent to this sink and not yet finished, by {@link taskKey}. */
  readonly held = new Map<string, TaskRequest>();
  /**
   * Tasks claimed for this sink while all its credits were taken, by {@link taskKey}, oldest
   * first: each is sent the moment a credit frees, without waiting for a claim (see {@link stage}).
   */
  private readonly staged = new Map<string, StagedTask>();
  /** Tasks finished in the current and the previous {@link STAGE_WINDOW_MS} window. */
  private finishedNow = 0;
  private finishedBefore = 0;
  private windowStart = 0;
  /**
   * The event record of each held task as its claim (or the re-send's read) returned it: what
   * settling its result needs, so the result is settled without reading the event back.
   */
  private readonly records = new Map<string, EventRecord>();
  private readonly queue: HubMessage[] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  private current: SinkStatus = 'ONLINE';
  private creditsChanged: (() => void) | null = null;

  constructor(
    readonly principal: SinkPrincipal,
    readonly registration: Required<SinkRegistration>,
  ) {}

  /**
   * What the sink last said it is doing: `ONLINE`, or `RESETTING` / `KILLING` / `FORCE_KILLING`
   * once it reported a control signal (or the hub sent one). A draining sink gets no new tasks.
   */
  get status(): SinkStatus {
    return this.current;
  }

  set status(status: SinkStatus) {
    this.current = status;
    this.creditsChanged?.();
  }

  /** Calls `listener` whenever {@link credits} may have changed (a task sent or freed, a status, the end); null stops it. */
  onCredits(listener: (() => void) | null): void {
    this.creditsChanged = listener;
  }

  get sinkId(): string {
    return this.registration.sinkId;
  }

  /** How many more tasks the sink may be given: none once it ended or drains. */
  get credits(): number {
    return this.ended || this.draining ? 0 : this.registration.concurrency - this.held.size;
  }

  /** The sink is resetting or shutting down: it finishes what it holds and takes nothing new. */
  get draining(): boolean {
    return this.status !== 'ONLINE';
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  /**
   * Sends a task and counts it against the sink's credits; `record` is its event as claimed, kept
   * for {@link claimed}.
   */
  sendTask(task: TaskRequest, record?: EventRecord): void {
    const key = taskKey(task);
    this.held.set(key, task);
    if (record) this.records.set(key, record);
    this.send({ kind: 'task', task });
    this.creditsChanged?.();
  }

  /** Queues a message for the subscription. */
  send(message: HubMessage): void {
    if (this.ended) return;
    this.queue.push(message);
    this.wake?.();
  }

  /**
   * Frees the credit of a finished or lost task (spend it on a staged task with
   * {@link sendStaged}). A staged task that settled before it was sent (a timeout, parameters that
   * failed) is dropped from the stage. True when a held task was freed.
   */
  release(key: string): boolean {
    this.records.delete(key);
    if (!this.held.delete(key)) {
      this.staged.delete(key);
      return false;
    }
    this.countFinished(Date.now());
    this.creditsChanged?.();
    return true;
  }

  /** Sends the oldest staged task if a credit is free; returns it, or undefined. */
  sendStaged(): StagedTask | undefined {
    if (this.credits <= 0) return undefined;
    const next = this.staged.entries().next().value;
    if (next === undefined) return undefined;
    this.staged.delete(next[0]);
    this.sendTask(next[1].task, next[1].record);
    return next[1];
  }

  /** Forgets every held task (they were handed back to the queue) and frees their credits. */
  releaseAll(): void {
    this.records.clear();
    this.held.clear();
    this.creditsChanged?.();
  }

  /**
   * Stages a claimed task for this sink, whose credits are all taken: it is sent when a credit
   * frees ({@link release}), so a busy sink's next task leaves the moment the sink reports a
   * result, instead of after a claim. The event is `RUNNING` on this sink in the store meanwhile
   * (its lease is extended with the sink's others); {@link unstage} hands staged tasks back.
   * With a free credit the task is sent at once instead: returns true when it was sent.
   */
  stage(task: TaskRequest, record: EventRecord, now = Date.now()): boolean {
    if (this.credits > 0) {
      this.sendTask(task, record);
      return true;
    }
    this.staged.set(taskKey(task), { task, record, at: now });
    return false;
  }

  /**
   * How many more tasks may be staged for this sink now: as many as it finished in the last
   * {@link STAGE_WINDOW_MS} or so (up to its concurrency), so that staged tasks wait about that
   * long at most; none while it has a free credit (it gets tasks sent instead), drains or ended.
   * A sink of long tasks finishes few per window and gets few or none staged.
   */
  stageRoom(now = Date.now()): number {
    if (this.ended || this.draining || this.credits > 0) return 0;
    this.roll(now);
    const recent = Math.min(this.registration.concurrency, this.finishedNow + this.finishedBefore);
    return Math.max(0, recent - this.staged.size);
  }

  /** How many tasks are staged. */
  get stagedCount(): number {
    return this.staged.size;
  }

  /**
   * Takes the staged tasks staged before `before` (all by default) off the stage, for the caller
   * to hand back to the queue.
   */
  unstage(before = Infinity): StagedTask[] {
    const taken: StagedTask[] = [];
    for (const [key, staged] of this.staged) {
      if (staged.at >= before) continue;
      taken.push(staged);
      this.staged.delete(key);
    }
    return taken;
  }

  private countFinished(now: number): void {
    this.roll(now);
    this.finishedNow += 1;
  }

  /** Moves the finish counts on to the window of `now`. */
  private roll(now: number): void {
    const elapsed = now - this.windowStart;
    if (elapsed < STAGE_WINDOW_MS) return;
    this.finishedBefore = elapsed < 2 * STAGE_WINDOW_MS ? this.finishedNow : 0;
    this.finishedNow = 0;
    this.windowStart = now - (elapsed % STAGE_WINDOW_MS);
  }

  /**
   * The event of a held task as it was when claimed (`RUNNING` on this sink, this attempt), or
   * undefined. The store may have moved on since (a lease expired elsewhere, a timeout): writes that
   * settle it must be conditional on the attempt still `RUNNING`, as the store's are.
   */
  claimed(key: string): EventRecord | undefined {
    return this.records.get(key);
  }

  /** Ends the subscription. */
  end(): void {
    this.ended = true;
    this.wake?.();
    this.creditsChanged?.();
  }

  /**
   * `task` followed by the Task Requests queued right behind it, as one message: a `tasks` batch
   * when there are several (one WebSocket frame instead of one per task), else the `task` message.
   */
  private withQueuedTasks(task: TaskRequest): HubMessage {
    const tasks = [task];
    while (this.queue[0]?.kind === 'task' && tasks.length < TASKS_PER_MESSAGE) tasks.push((this.queue.shift() as { task: TaskRequest }).task);
    return tasks.length === 1 ? { kind: 'task', task } : { kind: 'tasks', tasks };
  }

  /** The messages for the subscription, until the session ends or `signal` aborts. */
  async *messages(signal: AbortSignal | undefined): AsyncGenerator<HubMessage> {
    const onAbort = () => this.end();
    signal?.addEventListener('abort', onAbort);
    try {
      while (!this.ended) {
        const next = this.queue.shift();
        if (next) {
          yield this.registration.taskBatches && next.kind === 'task' ? this.withQueuedTasks(next.task) : next;
          continue;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
