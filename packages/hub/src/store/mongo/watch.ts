import type { ChangeStream, Collection, Document } from 'mongodb';
import type { Logger } from '@nexomatic/core';
import type { EventDoc } from './documents.js';

/**
 * The change-stream pipeline that reports events becoming claimable: inserted `QUEUED`, or
 * updated back to `QUEUED` (a release). Only the operation type is kept, so a change is a few
 * bytes whatever the payload.
 */
export function queuedChangesPipeline(): Document[] {
  return [
    {
      $match: {
        $or: [
          { operationType: 'insert', 'fullDocument.state': 'QUEUED' },
          { operationType: 'update', 'updateDescription.updatedFields.state': 'QUEUED' },
        ],
      },
    },
    { $project: { operationType: 1 } },
  ];
}

/**
 * Watches the events collection with one change stream (replica sets and sharded clusters only)
 * and calls every subscriber when events may have become claimable, in this or another process.
 * A failed stream is logged and reopened after `retryMs`; meanwhile the engine's poll still runs.
 */
export class QueuedWatcher {
  readonly #collection: Collection<EventDoc>;
  readonly #logger: Logger;
  readonly #retryMs: number;
  readonly #listeners = new Set<() => void>();
  #stream: ChangeStream | null = null;
  #retry: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(collection: Collection<EventDoc>, logger: Logger, retryMs = 1000) {
    this.#collection = collection;
    this.#logger = logger;
    this.#retryMs = retryMs;
  }

  /** Calls `listener` on every change; returns a function that unsubscribes. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    if (this.#stream === null && this.#retry === null) this.#open();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) void this.#stop();
    };
  }

  #open(): void {
    if (this.#closed || this.#listeners.size === 0) return;
    const stream = this.#collection.watch(queuedChangesPipeline());
    this.#stream = stream;
    stream.on('change', () => {
      for (const listener of this.#listeners) {
        try {
          listener();
        } catch (error) {
          this.#logger.error('mongo store: a change listener failed', { error: String(error) });
        }
      }
    });
    stream.on('error', (error) => {
      this.#logger.warn('mongo store: the events change stream failed; polling until it reopens', { error: String(error) });
      void stream.close().catch(() => undefined);
      if (this.#stream === stream) this.#stream = null;
      if (this.#closed || this.#listeners.size === 0) return;
      this.#retry = setTimeout(() => {
        this.#retry = null;
        this.#open();
      }, this.#retryMs);
      this.#retry.unref();
    });
  }

  async #stop(): Promise<void> {
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    const stream = this.#stream;
    this.#stream = null;
    if (stream !== null) await stream.close().catch(() => undefined);
  }

  /** Stops the stream for good. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#stop();
  }
}
