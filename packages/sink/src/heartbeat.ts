import type { Logger } from '@nexomatic/core';

/**
 * The sink's one heartbeat: a timer that sends `sink.heartbeat` while connected, at most one in
 * flight, so the hub extends the leases of all the sink's tasks. User code runs in child
 * processes, so nothing the modules do can starve this timer.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private sending = false;
  private currentMs: number;

  constructor(
    private readonly send: () => Promise<unknown>,
    private readonly isConnected: () => boolean,
    intervalMs: number,
    private readonly logger: Logger,
  ) {
    this.currentMs = intervalMs;
  }

  /** The interval in force. */
  get intervalMs(): number {
    return this.currentMs;
  }

  start(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => this.beat(), this.currentMs);
    this.timer.unref();
  }

  /** Follows the interval the hub asks for (`sink.hello`), which fits the hub's lease length. */
  adopt(intervalMs: number): void {
    if (intervalMs === this.currentMs) return;
    this.logger.debug('heartbeat interval set by the hub', { intervalMs });
    this.currentMs = intervalMs;
    if (this.timer) this.start();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    if (!this.isConnected() || this.sending) return;
    this.sending = true;
    this.send()
      .catch((error: Error) => this.logger.debug('heartbeat failed', { error: error.message }))
      .finally(() => (this.sending = false));
  }
}
