import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { Identity, NexomaticError } from '@nexomatic/core';
import type { HubContext, HubServices } from './context.js';
import { logInternalError } from './errors.js';
import { appRouter } from './router.js';
import { sourceRoute } from '../sources/routes.js';

/** A Node request handler; with Express, unmatched requests go to `next`. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** Resolves the API caller of an HTTP request: the embedding app's `authenticate`, or an API token. */
export function identityOf(services: HubServices, req: IncomingMessage): () => Promise<Identity> {
  let identity: Promise<Identity> | undefined;
  return () =>
    (identity ??= (async () => {
      if (!services.authenticate) return services.tokens.fromRequest(req);
      const found = await services.authenticate(req);
      if (!found) throw new NexomaticError('UNAUTHENTICATED', 'not signed in');
      // A malformed identity is the embedding app's bug: an internal error, never a half-checked caller.
      const checked = Identity.safeParse(found);
      if (!checked.success) throw new Error(`authenticate() returned an invalid identity: ${checked.error.message}`);
      return checked.data;
    })());
}

/**
 * The hub's HTTP routes under `basePath`: the API at `${basePath}trpc/`, a health check at
 * `${basePath}healthz`, Source URLs (`${basePath}hooks/<token>`, `${basePath}eventgrid/<token>`)
 * and, unless disabled, the Prometheus metrics at `${basePath}metrics`. Anything else goes to
 * `next` (Express) or gets 404.
 */
export function createRequestHandler(services: HubServices): RequestHandler {
  const { basePath, maxBodyBytes } = services.options;
  const trpcPath = `${basePath}trpc/`;
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: trpcPath,
    maxBodySize: maxBodyBytes,
    // Lets a query with a large input (`definitions.diff`) come as a POST; it still runs as a query.
    allowMethodOverride: true,
    onError: logInternalError(services.options.logger),
    createContext: ({ req }): HubContext => ({ services, req, sink: null, identity: identityOf(services, req) }),
  });
  return (req, res, next) => {
    // Express strips its mount path into req.url and keeps the whole path in originalUrl.
    const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const path = url.split('?')[0]!;
    if (path.startsWith(trpcPath)) {
      req.url = url;
      trpc(req, res);
      return;
    }
    if (path === `${basePath}metrics` && services.metrics) {
      services.metrics(req, res);
      return;
    }
    if (path === `${basePath}healthz`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    const notFound = () => {
      if (next) next();
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    };
    // Webhooks and Event Grid: an unknown token gets exactly the 404 any other path gets.
    const source = sourceRoute(services, url);
    if (source) source(req, res, notFound);
    else notFound();
  };
}
