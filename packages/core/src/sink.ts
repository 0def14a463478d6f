import { z } from 'zod';
import { ModulePath, SinkTypeName } from './names.js';
import { Runtime, SinkStatus } from './states.js';

/** What a sink announces when it connects (the input of the hub's `tasks` subscription). */
export const SinkRegistration = z.object({
  /** Stable for the life of the sink process; a reconnect re-uses it. */
  sinkId: z.uuid(),
  name: z.string().min(1).max(200),
  version: z.string().min(1).max(50),
  runtimes: z.array(Runtime).min(1),
  /** Module import paths this sink can run; empty means any module of its Sink Type. */
  modules: z.array(ModulePath).max(10_000).default([]),
  /** Most tasks the sink runs at once: the hub never has more unfinished tasks on it. */
  concurrency: z.number().int().min(1).max(1000),
  /**
   * The sink takes many Task Requests in one message (`{ kind: 'tasks' }`); without it the hub
   * sends one message per task, as to sinks that predate batches. @default false
   */
  taskBatches: z.boolean().default(false),
});
/** What a sink announces when it connects. */
export type SinkRegistration = z.input<typeof SinkRegistration>;

/** A Sink as the hub records it. */
export const SinkRecord = z.object({
  id: z.string(),
  name: z.string(),
  sinkType: SinkTypeName,
  /** The tenant the sink is pinned to (`TENANT_UUID`), or null when it serves any tenant. */
  tenantId: z.string().nullable(),
  status: SinkStatus,
  version: z.string(),
  runtimes: z.array(Runtime),
  modules: z.array(z.string()),
  concurrency: z.number().int(),
  connectedAt: z.string(),
  lastSeenAt: z.string(),
});
/** A Sink as the hub records it. */
export type SinkRecord = z.infer<typeof SinkRecord>;

/** A Sink as the API shows it: its record plus how many tasks it runs now. */
export const SinkView = SinkRecord.extend({
  /** Task attempts the sink holds now (`RUNNING` events leased to it). */
  running: z.number().int().min(0),
});
/** A Sink as the API shows it. */
export type SinkView = z.infer<typeof SinkView>;

/** What a sink reports about itself (`sink.status`): every status but `OFFLINE`, which only the hub decides. */
export const ReportedSinkStatus = SinkStatus.exclude(['OFFLINE']);
/** A status a sink reports about itself. */
export type ReportedSinkStatus = z.infer<typeof ReportedSinkStatus>;
