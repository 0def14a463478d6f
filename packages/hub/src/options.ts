import { z } from 'zod';
import { Limits, parse, silentLogger, type Identity, type Logger } from '@nexomatic/core';
import type { IncomingMessage } from 'node:http';
import type { HubStore } from './store/port.js';
import { MasterKeysInput } from './vault/keys.js';
import { LogsOptions } from './logs/options.js';
import { MetricsOptions } from './metrics/options.js';
import { SchedulerSettings } from './sources/scheduler-options.js';

/** Supplies the caller's identity from the embedding app's own session, or null to refuse. */
export type Authenticate = (req: IncomingMessage) => Promise<Identity | null> | Identity | null;

const isStore = (v: unknown): v is HubStore =>
  typeof v === 'object' && v !== null && 'events' in v && 'definitions' in v && 'close' in v;

/** The options of {@link createHub}, as the user passes them. */
export const HubOptions = z.object({
  /**
   * Where the hub remembers everything. A {@link HubStore} (for example `sqliteStore(...)` from
   * `@nexomatic/hub/sqlite`) owned by the caller, or omitted for an embedded SQLite file at
   * `dataDir/hub.db`, owned and closed by the hub.
   */
  store: z.custom<HubStore>(isStore, 'must be a HubStore').optional(),
  /** Folder of the embedded store. @default './.nexomatic' */
  dataDir: z.string().min(1).default('./.nexomatic'),
  /** Path prefix of every route: the API is served at `${basePath}trpc`, sinks connect to `${basePath}ws`. @default '/' */
  basePath: z
    .string()
    .regex(/^\/([A-Za-z0-9._~-]+\/)*$/, 'must start and end with "/", e.g. "/" or "/nexomatic/"')
    .default('/'),
  /** How long a claimed task's lease lasts without a heartbeat. @default 30000 */
  leaseMs: z.number().int().min(1000).max(3_600_000).default(30_000),
  /** How often sinks send a heartbeat. @default 5000 */
  heartbeatIntervalMs: z.number().int().min(100).max(600_000).default(5_000),
  /** How often the dispatcher looks for work other hubs queued and for expired leases. @default 1000 */
  pollIntervalMs: z.number().int().min(10).max(60_000).default(1_000),
  /**
   * Stage tasks for busy sinks: a sink with no free credit that finishes tasks quickly gets a few
   * claimed ahead, kept on the hub and sent the moment a credit frees (see `docs/dispatch.md`).
   * Off, an event is claimed only for a free credit: `RUNNING` then always means sent. @default true
   */
  stageTasks: z.boolean().default(true),
  /** How long events may wait for a Sink Type with no online sink before the hub says so. @default 60000 */
  starvationWarningMs: z.number().int().min(1000).default(60_000),
  /** How long an idempotency key returns the event it first created. @default 86400000 (24 h) */
  idempotencyWindowMs: z.number().int().min(0).default(86_400_000),
  /** Limits every tenant gets: most queued events (`QUEUE_FULL` past it), most running, dispatch rate. @default {} */
  tenantLimits: Limits.default({}),
  /**
   * How long past a task's timeout the hub waits for the sink's own `TIMEOUT` report before it
   * cancels the task itself and settles the attempt. @default 5000
   */
  timeoutGraceMs: z.number().int().min(0).max(600_000).default(5_000),
  /** Deepest chain of follow-on events; deeper follow-ons are born `ERROR` with code `CHAIN_TOO_DEEP`. @default 16 */
  maxChainDepth: z.number().int().min(1).max(1000).default(16),
  /** Largest HTTP request body, in bytes. @default 1048576 */
  maxBodyBytes: z.number().int().min(1024).default(1024 * 1024),
  /** Largest WebSocket message from a sink, in bytes. @default 4194304 */
  maxWsMessageBytes: z.number().int().min(1024).default(4 * 1024 * 1024),
  /**
   * Most sinks of one Sink Type connected to this hub at once. A connection past it is refused at
   * the HTTP upgrade with `429 Too Many Requests` (no WebSocket is opened); the sink retries later.
   * @default 100
   */
  maxSinksPerSinkType: z.number().int().min(1).max(100_000).default(100),
  /**
   * Master keys of the secrets vault, by version: `{ 1: '<base64 32-byte key>' }`. The highest
   * version encrypts; every listed version decrypts. To rotate, add a higher version, run
   * `hub.rotateSecrets()` (or `nexomatic-hub rotate-secrets`), then remove the old one.
   * @default the environment: `NEXOMATIC_MASTER_KEYS` (JSON) or `NEXOMATIC_MASTER_KEY` (version 1)
   */
  masterKeys: MasterKeysInput.optional(),
  /** Replaces the built-in API-token check with the embedding app's own. */
  authenticate: z.custom<Authenticate>((v) => typeof v === 'function', 'must be a function').optional(),
  /**
   * The Prometheus endpoint `<basePath>metrics` and who may scrape it (see docs/observability.md).
   * @default { enabled: true } (callers of the default tenant, or the scrape `token`)
   */
  metrics: MetricsOptions.prefault({}),
  /**
   * Task logs: how many days records stay in the store, and the archive they move to after
   * (`fsArchive({ dir })`, or `azureBlobArchive(...)` from `@nexomatic/hub/azure`); see docs/logs.md.
   * @default { retentionDays: 30, archiveIntervalMs: 3600000 } (no archive: records stay in the store)
   */
  logs: LogsOptions.prefault({}),
  /**
   * The Scheduler source, which fires the stored Schedules (see docs/schedules.md).
   * @default { enabled: true, pollIntervalMs: 5000, syncIntervalMs: 30000, lockLifetimeMs: 60000 }
   */
  scheduler: SchedulerSettings.prefault({}),
  /** Where the hub writes what it does. @default silentLogger */
  logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null && 'info' in v, 'must be a Logger').default(silentLogger),
});

/** The options of {@link createHub}. */
export type HubOptions = z.input<typeof HubOptions>;
/** The options of {@link createHub} with every default filled in. */
export type ResolvedHubOptions = z.output<typeof HubOptions>;

/** Validates the options and fills in the defaults, once. */
export function resolveHubOptions(options: HubOptions): ResolvedHubOptions {
  return parse(HubOptions, options, 'hub options');
}
