import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DefinitionsInput, FireInput } from '@nexomatic/core';
import { createHub, type Hub, type HubOptions, type HubStore } from '@nexomatic/hub';
import { sqliteStore } from '@nexomatic/hub/sqlite';
import { now } from '../stats.js';

/** Sink Types of the benchmark: in-process node executor, and the real (child-process) executors. */
export const SINK_TYPES = { inProcess: 'BENCH:INPROC', child: 'BENCH:CHILD' } as const;

/** Event Types of the benchmark; every one runs a no-op module. */
export const EVENT_TYPES = {
  /** Node no-op, in-process executor: the pure dispatch number. */
  noop: 'noop',
  /** Node no-op through the node executor's child processes. */
  noopChild: 'noop-child',
  /** Python no-op through the pooled Python executor. */
  noopPython: 'noop-python',
} as const;

const definitions: DefinitionsInput = {
  sinkTypes: [
    { name: SINK_TYPES.inProcess, runtimes: ['node', 'python'] },
    { name: SINK_TYPES.child, runtimes: ['node', 'python'] },
  ],
  actions: [
    { name: 'noop', module: 'noop' },
    { name: 'noop-py', module: 'noop_py' },
  ],
  eventTypes: [
    { name: EVENT_TYPES.noop, sinkType: SINK_TYPES.inProcess, action: 'noop', retry: { maxAttempts: 1 } },
    { name: EVENT_TYPES.noopChild, sinkType: SINK_TYPES.child, action: 'noop', retry: { maxAttempts: 1 } },
    { name: EVENT_TYPES.noopPython, sinkType: SINK_TYPES.child, action: 'noop-py', retry: { maxAttempts: 1 } },
  ],
};

/**
 * A hub for one scenario: its own SQLite file in a temp folder, listening on a free port, with the
 * benchmark's definitions applied. Its store is wrapped to see each completion once it is durable
 * (the store's `complete` resolves after the COMMIT), which is how "done" is timed and counted.
 */
export class BenchHub {
  /** Completions that applied (each a terminal event, committed). */
  completed = 0;
  /** Store calls on the hot path, for the report: claims (and events they claimed), completes, inserts. */
  readonly calls = { claim: 0, claimed: 0, complete: 0, insert: 0, claimMs: 0, completeMs: 0 };
  /** Commit times of the first and the latest completion. */
  firstDoneAt = 0;
  lastDoneAt = 0;
  /** When set, the commit time of each completed event, by id. */
  doneAt: Map<string, number> | null = null;
  private readonly waiters = new Map<string, () => void>();

  private constructor(
    readonly hub: Hub,
    readonly store: HubStore,
    readonly url: string,
    readonly secrets: Record<string, string>,
    private readonly dir: string,
  ) {}

  /** Starts a hub; `options` are passed to `createHub` (the store is always the wrapped SQLite one). */
  static async start(options: Partial<HubOptions> = {}): Promise<BenchHub> {
    const dir = mkdtempSync(join(tmpdir(), 'nexomatic-bench-'));
    const base = await sqliteStore({ path: join(dir, 'hub.db') });
    // The store's wrappers report to the BenchHub, which exists only once the hub does.
    const ref: { bench?: BenchHub } = {};
    const store: HubStore = {
      ...base,
      events: {
        ...base.events,
        claim: async (request) => {
          const began = now();
          const claimed = await base.events.claim(request);
          if (ref.bench) {
            ref.bench.calls.claim++;
            ref.bench.calls.claimed += claimed.length;
            ref.bench.calls.claimMs += now() - began;
          }
          return claimed;
        },
        insert: (events) => {
          if (ref.bench) ref.bench.calls.insert++;
          return base.events.insert(events);
        },
        complete: async (completions) => {
          const began = now();
          const applied = await base.events.complete(completions);
          if (ref.bench) {
            ref.bench.calls.complete++;
            ref.bench.calls.completeMs += now() - began;
          }
          ref.bench?.onCompleted(completions.filter((_, i) => applied[i]).map((c) => c.eventId));
          return applied;
        },
      },
    };
    const hub = await createHub({ ...options, store, dataDir: dir });
    await hub.apply(definitions);
    const secrets: Record<string, string> = {};
    for (const name of Object.values(SINK_TYPES)) secrets[name] = await hub.createClientSecret(name);
    const { url } = await hub.listen(0);
    ref.bench = new BenchHub(hub, store, url, secrets, dir);
    return ref.bench;
  }

  private onCompleted(ids: string[]): void {
    if (ids.length === 0) return;
    this.completed += ids.length;
    const at = now();
    if (this.firstDoneAt === 0) this.firstDoneAt = at;
    this.lastDoneAt = at;
    for (const id of ids) {
      this.doneAt?.set(id, at);
      const waiter = this.waiters.get(id);
      if (waiter) {
        this.waiters.delete(id);
        waiter();
      }
    }
  }

  /** Fires one event and resolves once it is durably terminal. */
  async fireAndWait(input: FireInput): Promise<void> {
    const event = await this.hub.fire(input);
    if (this.completed > 0 && this.doneAt?.has(event.id)) return;
    await new Promise<void>((resolve) => this.waiters.set(event.id, resolve));
  }

  /** How many of the default tenant's events are in each state (read from the store). */
  counts(): Promise<Record<string, number>> {
    return this.hub.store.events.countByState(this.hub.tenantId);
  }

  /** Closes the hub, then the store, and removes the temp folder. */
  async close(): Promise<void> {
    await this.hub.close();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `count` fire inputs of an Event Type, each payload carrying its index and, when timed, its fire time. */
export function payloads(eventType: string, count: number): FireInput[] {
  return Array.from({ length: count }, (_, i) => ({ eventType, payload: { i } }));
}
