import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { Hub } from '@nexomatic/hub';
import { adminUi, normalizeHubPath, UI_PATH } from './admin-ui.js';

/** The options of {@link createAdminApp}. */
export interface AdminAppOptions {
  /** The hub to embed; its `options.basePath` is where its API is mounted. */
  hub: Hub;
  /** The folder of the built UI. @default the example's `dist/` */
  distDir?: string;
}

/**
 * An Express app embedding a hub the way a user's own service does: the hub's API and health check
 * under the hub's `basePath`, the admin UI under `/ui`, and `/` redirecting to the UI. Serve it
 * with {@link listenAdminApp} (or your own server plus `hub.attach(server)` for sinks' WebSockets).
 *
 * @example
 * ```ts
 * const hub = await createHub({ basePath: '/hub/' });
 * const app = createAdminApp({ hub });
 * const server = app.listen(3000);
 * hub.attach(server);
 * ```
 */
export function createAdminApp({ hub, distDir }: AdminAppOptions): Express {
  const hubPath = normalizeHubPath(hub.options.basePath);
  const app = express();
  app.disable('x-powered-by');
  // The hub's handler matches on the full path (originalUrl), so the mount point is its basePath.
  app.use(hubPath, hub.handler);
  app.use(adminUi({ hubPath, ...(distDir ? { distDir } : {}) }));
  app.get('/', (_req, res) => res.redirect(302, `${UI_PATH}/`));
  return app;
}

/** An admin app listening on a port, with sinks' WebSockets attached. */
export interface ListeningAdminApp {
  server: Server;
  port: number;
  /** `http://host:port`. */
  origin: string;
  /** Where the hub's API is, e.g. `http://127.0.0.1:3000/hub` (what sinks and clients use as the hub URL). */
  hubUrl: string;
  /** Where the admin UI is, e.g. `http://127.0.0.1:3000/ui/`. */
  uiUrl: string;
  /** Stops the HTTP server (not the hub). */
  close(): Promise<void>;
}

/**
 * Serves an Express app (usually {@link createAdminApp}'s) on `port` and attaches the hub's sink
 * WebSockets to the same server. @param port - 0 picks a free port.
 */
export async function listenAdminApp(app: Express, hub: Hub, port: number, host = '127.0.0.1'): Promise<ListeningAdminApp> {
  const server = createServer(app);
  hub.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${actual}`;
  return {
    server,
    port: actual,
    origin,
    hubUrl: `${origin}${hub.options.basePath.replace(/\/$/, '')}`,
    uiUrl: `${origin}${UI_PATH}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
