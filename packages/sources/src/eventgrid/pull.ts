import type {
  AcknowledgeResult,
  ReceiveEventsOptions,
  ReceiveResult,
  RejectResult,
  ReleaseEventsOptions,
  ReleaseResult,
  OperationOptions,
} from '@azure/eventgrid-namespaces';
import { EventGridRoute, NexomaticError, parse, silentLogger, type FireInput, type Logger, type SourceContext } from '@nexomatic/core';
import { z } from 'zod';
import type { CustomSource, StopSource } from '../custom.js';
import { eventGridFireInput, routeEvent } from './mapping.js';
import { fromCloudEvent } from './parse.js';

/**
 * What the pull source needs of `@azure/eventgrid-namespaces`' `EventGridReceiverClient`: receive,
 * acknowledge, release and reject. Pass the real client (or anything of the same shape).
 */
export interface NamespaceReceiver {
  receiveEvents<T>(options?: ReceiveEventsOptions): Promise<ReceiveResult<T>>;
  acknowledgeEvents(lockTokens: string[], options?: OperationOptions): Promise<AcknowledgeResult>;
  releaseEvents(lockTokens: string[], options?: ReleaseEventsOptions): Promise<ReleaseResult>;
  rejectEvents(lockTokens: string[], options?: OperationOptions): Promise<RejectResult>;
}

/** The options of {@link EventGridPullSource}, validated. */
export const EventGridPullOptions = z.object({
  /** The Source's name: events carry it as `source.id`, and it scopes their idempotency keys. */
  name: z.string().min(1).max(200),
  /** The mapping table: the first route matching an event's type and subject names its Event Type. @default [] */
  routes: z.array(EventGridRoute).default([]),
  /** The Event Type of an event no route matches; without one, such an event is rejected (dead-lettered). */
  defaultEventType: z.string().min(1).max(200).optional(),
  /** Most events per receive (the service allows 1 to 100). @default 10 */
  maxEvents: z.number().int().min(1).max(100).default(10),
  /** Longest a receive waits for events, in seconds (the service allows 10 to 120). @default 60 */
  maxWaitTimeSeconds: z.number().int().min(10).max(120).default(60),
  /** Delay before a released event is delivered again, in seconds. @default '10' */
  releaseDelaySeconds: z.enum(['0', '10', '60', '600', '3600']).default('10'),
  /** Pause after a failed receive before the next, in milliseconds. @default 5000 */
  retryDelayMs: z.number().int().min(0).max(600_000).default(5_000),
});

/** The options of {@link EventGridPullSource}, as the user passes them. */
export type EventGridPullOptionsInput = z.input<typeof EventGridPullOptions> & {
  /** The namespace topic subscription to pull from. */
  receiver: NamespaceReceiver;
  /** @default silentLogger */
  logger?: Logger;
};

/** What one {@link EventGridPullSource.pollOnce} did with the events it received. */
export interface PullOutcome {
  received: number;
  /** Fired (or found already fired) and acknowledged. */
  acknowledged: number;
  /** Not fired for a reason that may pass (queue full, store down): released for redelivery. */
  released: number;
  /** Not fireable at all (no route, refused by its Event Type): rejected, so dead-lettered. */
  rejected: number;
}

/** Errors retrying cannot fix: the event is rejected rather than released. */
const PERMANENT = new Set(['VALIDATION', 'FORBIDDEN', 'NOT_FOUND', 'PARAM_MISSING']);
const isPermanent = (error: unknown) => error instanceof NexomaticError && PERMANENT.has(error.code);

/**
 * A pull consumer for an Event Grid namespace topic subscription: it receives CloudEvents, maps
 * each through the mapping table to an Event Type, fires them in one batch, and acknowledges
 * what was stored. Events it could not store for a passing reason are released (redelivered after
 * `releaseDelaySeconds`); events that can never fire are rejected (dead-lettered, when the
 * subscription has a dead-letter destination). Redelivered events keep their idempotency key, so
 * an event stored but not acknowledged (a crash in between) is not fired twice.
 *
 * @example
 * ```ts
 * import { AzureKeyCredential, EventGridReceiverClient } from '@azure/eventgrid-namespaces';
 * const receiver = new EventGridReceiverClient(endpoint, new AzureKeyCredential(key), 'orders', 'nexomatic');
 * const source = new EventGridPullSource({ name: 'orders-pull', receiver, routes: [{ type: 'Orders.*', eventType: 'orders.received' }] });
 * const stop = source.start(hub.sourceContext({ type: 'eventgrid', id: source.name }));
 * ```
 */
export class EventGridPullSource implements CustomSource {
  /** The Source's name. */
  readonly name: string;
  private readonly options: z.output<typeof EventGridPullOptions>;
  private readonly receiver: NamespaceReceiver;
  private readonly logger: Logger;

  constructor(options: EventGridPullOptionsInput) {
    const { receiver, logger, ...rest } = options;
    this.options = parse(EventGridPullOptions, rest, 'Event Grid pull options');
    this.name = this.options.name;
    this.receiver = receiver;
    this.logger = logger ?? silentLogger;
  }

  /** Receives one batch (waiting up to `maxWaitTimeSeconds`), fires it, and settles every event. */
  async pollOnce(context: SourceContext, abortSignal?: AbortSignal): Promise<PullOutcome> {
    const { details } = await this.receiver.receiveEvents<unknown>({
      maxEvents: this.options.maxEvents,
      maxWaitTime: this.options.maxWaitTimeSeconds,
      ...(abortSignal ? { abortSignal } : {}),
    });
    const outcome: PullOutcome = { received: details.length, acknowledged: 0, released: 0, rejected: 0 };
    const fireable: Array<{ lockToken: string; input: FireInput }> = [];
    const reject: string[] = [];
    for (const { brokerProperties, event } of details) {
      const inbound = fromCloudEvent(event);
      const eventType = routeEvent(this.options.routes, inbound, this.options.defaultEventType ?? null);
      if (eventType === null) {
        this.logger.warn('Event Grid event matches no route: rejected', { source: this.name, type: inbound.type, id: inbound.id });
        reject.push(brokerProperties.lockToken);
      } else {
        fireable.push({ lockToken: brokerProperties.lockToken, input: eventGridFireInput(inbound, eventType, this.name) });
      }
    }
    const ack: string[] = [];
    const release: string[] = [];
    if (fireable.length > 0) {
      try {
        await context.fireBatch(fireable.map((f) => f.input));
        ack.push(...fireable.map((f) => f.lockToken));
      } catch (error) {
        if (!isPermanent(error) || fireable.length === 1) {
          (isPermanent(error) ? reject : release).push(...fireable.map((f) => f.lockToken));
          this.logger.warn('Event Grid events not fired', { source: this.name, count: fireable.length, error: String(error) });
        } else {
          // One bad event refused the batch: fire one by one so the others still go through.
          for (const { lockToken, input } of fireable) {
            try {
              await context.fire(input);
              ack.push(lockToken);
            } catch (single) {
              (isPermanent(single) ? reject : release).push(lockToken);
              this.logger.warn('Event Grid event not fired', { source: this.name, eventType: input.eventType, error: String(single) });
            }
          }
        }
      }
    }
    if (ack.length > 0) outcome.acknowledged = this.settled('acknowledge', await this.receiver.acknowledgeEvents(ack));
    if (release.length > 0) {
      outcome.released = this.settled('release', await this.receiver.releaseEvents(release, { releaseDelay: this.options.releaseDelaySeconds }));
    }
    if (reject.length > 0) outcome.rejected = this.settled('reject', await this.receiver.rejectEvents(reject));
    return outcome;
  }

  /** How many lock tokens an operation settled; failed ones are logged (their locks expire and the events come back). */
  private settled(operation: string, result: { succeededLockTokens: string[]; failedLockTokens: Array<{ lockToken: string; error: unknown }> }): number {
    for (const failed of result.failedLockTokens) {
      this.logger.warn(`Event Grid ${operation} failed for a lock token`, { source: this.name, lockToken: failed.lockToken, error: JSON.stringify(failed.error) });
    }
    return result.succeededLockTokens.length;
  }

  /** Pulls until stopped: one {@link pollOnce} after another, pausing `retryDelayMs` after a failure. */
  start(context: SourceContext): StopSource {
    const abort = new AbortController();
    const loop = (async () => {
      while (!abort.signal.aborted) {
        try {
          await this.pollOnce(context, abort.signal);
        } catch (error) {
          if (abort.signal.aborted) break;
          this.logger.warn('Event Grid receive failed', { source: this.name, error: String(error) });
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.options.retryDelayMs);
            abort.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              resolve();
            }, { once: true });
          });
        }
      }
    })();
    return async () => {
      abort.abort();
      await loop;
    };
  }
}
