import { z } from 'zod';

const Buckets = z.array(z.number().positive()).min(1).max(50);

/**
 * The options of the hub's Prometheus endpoint (`GET <basePath>metrics`). Who may scrape it:
 *
 * - with `public: true`, anyone who can reach it (serve it only on a private network);
 * - a scraper presenting `Authorization: Bearer <token>` with the `token` below;
 * - an API caller (an Admin or Viewer token, or the embedding app's `authenticate`) of the hub's
 *   default tenant: the metrics show every tenant, so callers of other tenants get `403`.
 */
export const MetricsOptions = z.object({
  /** Serves `<basePath>metrics` and records metrics; false records nothing (the route then 404s). @default true */
  enabled: z.boolean().default(true),
  /** A scrape secret (at least 16 characters) a scraper may send as `Authorization: Bearer <token>`. */
  token: z.string().min(16).max(1000).optional(),
  /** Serves the metrics without any authentication. @default false */
  public: z.boolean().default(false),
  /** Adds prom-client's process and Node.js metrics (CPU, memory, event loop lag) to this hub's registry. @default false */
  processMetrics: z.boolean().default(false),
  /**
   * Counts every tenant's events by state on each scrape (`nexomatic_events`). The count reads an
   * index of all events, so its cost grows with the store; turn it off for very large stores (the
   * `nexomatic_events_finished_total` counter remains). @default true
   */
  eventStates: z.boolean().default(true),
  /** Histogram buckets, in seconds. @default see docs/observability.md */
  buckets: z
    .object({
      /** Of `nexomatic_dispatch_latency_seconds`. */
      dispatchLatency: Buckets.optional(),
      /** Of `nexomatic_run_duration_seconds`. */
      runDuration: Buckets.optional(),
    })
    .default({}),
});
/** The options of the hub's Prometheus endpoint, as the user passes them. */
export type MetricsOptions = z.input<typeof MetricsOptions>;
/** The options of the hub's Prometheus endpoint with defaults filled in. */
export type ResolvedMetricsOptions = z.output<typeof MetricsOptions>;
