import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isNexomaticError, type Identity, type Logger } from '@nexomatic/core';
import type { HubMetrics } from './hub-metrics.js';

/** Serves one request for `<basePath>metrics`. */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What the metrics endpoint needs besides the metrics. */
export interface MetricsEndpointOptions {
  metrics: HubMetrics;
  /** The hub's default tenant: its API callers may scrape. */
  tenantId: string;
  /** Resolves the API caller of a request (an API token, or the app's `authenticate`); rejects when there is none. */
  identify(req: IncomingMessage): Promise<Identity>;
  logger: Logger;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

/**
 * The Prometheus endpoint: `GET` (or `HEAD`) returns this hub's registry in the text exposition
 * format. Who may scrape is set by `metrics` in the hub options (see `MetricsOptions`): anyone when
 * `public`, a scraper with the `token`, or an API caller of the default tenant; `401` without
 * credentials, `403` for a caller of another tenant.
 */
export function createMetricsHandler(options: MetricsEndpointOptions): MetricsHandler {
  const { metrics, tenantId, identify, logger } = options;
  const scrapeToken = metrics.options.token === undefined ? null : digest(metrics.options.token);

  const allowed = async (req: IncomingMessage): Promise<number> => {
    if (metrics.options.public) return 200;
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    // Compared as digests, in constant time, so the token's length does not leak either.
    if (scrapeToken && bearer && timingSafeEqual(digest(bearer), scrapeToken)) return 200;
    try {
      const identity = await identify(req);
      return identity.tenantId === tenantId ? 200 : 403;
    } catch (error) {
      if (isNexomaticError(error, 'UNAUTHENTICATED') || isNexomaticError(error, 'FORBIDDEN')) return 401;
      throw error;
    }
  };

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, '{"error":"method not allowed"}', { allow: 'GET, HEAD' });
      return;
    }
    void (async () => {
      const status = await allowed(req);
      if (status === 401) return send(res, 401, '{"error":"unauthenticated"}', { 'www-authenticate': 'Bearer realm="nexomatic-metrics"' });
      if (status === 403) return send(res, 403, '{"error":"the metrics show every tenant: only callers of the default tenant may read them"}');
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    })().catch((error: unknown) => {
      logger.error('metrics scrape failed', { error: String(error) });
      if (!res.headersSent) send(res, 500, '{"error":"internal error"}');
      else res.destroy();
    });
  };
}
