import type { EventRecord, HubMessage, SinkRegistration, SinkStatus, TaskKey, TaskRequest } from '@nexomatic/core';
import type { SinkPrincipal } from '../auth/sink-credentials.js';

/** The key of one task attempt, `eventId:attempt`. */
export function taskKey(task: TaskKey): string {
  return `${task.eventId}:${task.attempt}`;
}

/** The key of an event's current attempt. */
export function attemptKey(event: Pick<EventRecord, 'id' | 'attempt'>): string {
  return `${event.id}:${event.attempt}`;
}

/**
 * One connected sink, as the dispatcher sees it: what it registered, the tasks it holds, and the
 * queue of messages its subscription has not yet sent. The queue never holds more tasks than the
 * sink's concurrency, because tasks are only pushed against free credits.
 */
export class SinkSession {
  /** Tasks sent to this sink and not yet finished, by {@link taskKey}. */
  readonly held = new Map<string, TaskRequest>();
  private readonly queue: HubMessage[] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  /**
   * What the sink last said it is doing: `ONLINE`, or `RESETTING` / `KILLING` / `FORCE_KILLING`
   * once it reported a control signal (or the hub sent one). A draining sink gets no new tasks.
   */
  status: SinkStatus = 'ONLINE';

  constructor(
    readonly principal: SinkPrincipal,
    readonly registration: Required<SinkRegistration>,
  ) {}

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

  /** Sends a task and counts it against the sink's credits. */
  sendTask(task: TaskRequest): void {
    this.held.set(taskKey(task), task);
    this.send({ kind: 'task', task });
  }

  /** Queues a message for the subscription. */
  send(message: HubMessage): void {
    if (this.ended) return;
    this.queue.push(message);
    this.wake?.();
  }

  /** Frees the credit of a finished or lost task. */
  release(key: string): boolean {
    return this.held.delete(key);
  }

  /** Ends the subscription. */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** The messages for the subscription, until the session ends or `signal` aborts. */
  async *messages(signal: AbortSignal | undefined): AsyncGenerator<HubMessage> {
    const onAbort = () => this.end();
    signal?.addEventListener('abort', onAbort);
    try {
      while (!this.ended) {
        const next = this.queue.shift();
        if (next) {
          yield next;
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
