import type { Unsubscribable } from '@trpc/server/observable';
import { NEXOMATIC_ERROR_CODES, NexomaticError, type ReportedSinkStatus, type Runtime, type SinkRegistration } from '@nexomatic/core';
import { retryDelayMs } from './backoff.js';
import { openHubConnection, type HubConnection } from './connection.js';
import { hubWebSocketUrl, type ResolvedSinkOptions } from './options.js';

/** How long the sink waits for the hub to take a status report before carrying on. */
const STATUS_REPORT_WAIT_MS = 1000;

/** What a {@link HubLink} tells its sink. */
export interface HubLinkEvents {
  /** The hub accepted the subscription on the current connection. */
  onStarted(): void;
  /** A message arrived on the current subscription (not yet validated). */
  onData(data: unknown): void;
  /** The current socket closed; tRPC is reconnecting. */
  onDisconnected(): void;
  /** The hub refused the credentials or ended the subscription with an error. */
  onFailed(error: NexomaticError): void;
  /** True once the sink is shutting down: a stopped subscription is not renewed. */
  stopping(): boolean;
}

/**
 * The sink's connect/subscribe cycle: one connection to the hub at a time with the task subscription
 * on it, renewed when the hub stops it. Callbacks of a replaced connection are ignored.
 */
export class HubLink {
  private connection: HubConnection | undefined;
  private subscription: Unsubscribable | undefined;
  private isConnected = false;
  private resubscribes = 0;

  constructor(
    private readonly options: ResolvedSinkOptions,
    private readonly sinkId: string,
    private readonly runtimes: Runtime[],
    private readonly events: HubLinkEvents,
  ) {}

  /** The current connection's tRPC client (the connection must be open). */
  get client(): HubConnection['client'] {
    return this.connection!.client;
  }

  /** The hub accepted the subscription and the socket has not closed since. */
  get connected(): boolean {
    return this.isConnected;
  }

  /** Opens a new connection to the hub and subscribes on it. */
  open(): void {
    const { options } = this;
    this.connection = openHubConnection(hubWebSocketUrl(options.hubUrl, options.wsPath), options, {
      onRefused: (statusCode) => {
        const check = options.tenantUuid ? 'CLIENT_SECRET, TENANT_UUID and TENANT_SECRET' : 'CLIENT_SECRET';
        const message = `hub refused credentials for CLIENT_ID ${options.clientId} (HTTP ${statusCode}): check ${check}`;
        this.events.onFailed(new NexomaticError('UNAUTHENTICATED', message, { details: { statusCode } }));
      },
      onDisconnected: () => {
        this.isConnected = false;
        this.events.onDisconnected();
      },
    });
    this.subscribe();
  }

  /** Drops the connection: unsubscribes and closes the socket. {@link open} makes a new one. */
  async close(): Promise<void> {
    this.isConnected = false;
    this.subscription?.unsubscribe();
    await this.connection?.close().catch(() => undefined);
  }

  /**
   * Tells the hub what the sink is doing (`sink.status`), so it stops or resumes dispatching to it.
   * Waits at most a second: a hub out of reach learns it on the next connection, or not at all.
   */
  async reportStatus(status: ReportedSinkStatus): Promise<void> {
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

  private subscribe(): void {
    const { options, events } = this;
    const registration: SinkRegistration = {
      sinkId: this.sinkId,
      name: options.name,
      version: options.version,
      runtimes: this.runtimes,
      modules: [],
      concurrency: options.concurrency,
      // Many Task Requests per message when the hub has several at once (older hubs ignore it).
      taskBatches: true,
    };
    const connection = this.connection!;
    // A RESET replaces the connection: the old one's late callbacks are ignored.
    const current = (): boolean => connection === this.connection;
    this.subscription = connection.client.sink.tasks.subscribe(registration, {
      onStarted: () => {
        if (!current()) return;
        this.isConnected = true;
        this.resubscribes = 0;
        events.onStarted();
      },
      onData: ({ data }) => current() && events.onData(data),
      onError: (error) => {
        if (!current()) return;
        // The hub's errors carry the NexomaticError code in `data.nexomatic.code`.
        const code = (error.data as { nexomatic?: { code?: unknown } } | undefined)?.nexomatic?.code;
        const known = NEXOMATIC_ERROR_CODES.find((c) => c === code) ?? 'INTERNAL';
        events.onFailed(new NexomaticError(known, `the hub ended the task subscription: ${error.message}`, { cause: error }));
      },
      onComplete: () => {
        if (events.stopping() || !current()) return;
        // The hub stopped the subscription without closing the socket: register again.
        const delay = retryDelayMs(++this.resubscribes);
        options.logger.warn('the hub stopped the task subscription; registering again', { retryInMs: delay });
        setTimeout(() => events.stopping() || this.subscribe(), delay).unref();
      },
    });
  }
}
