import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type NextFunction, type Router } from 'express';

/** Where `vite build` writes the UI: `examples/express-admin-ui/dist`. */
export const DEFAULT_DIST_DIR = fileURLToPath(new URL('../../dist', import.meta.url));

/** The path the UI is built for (Vite's `base`); every client-side route is under it. */
export const UI_PATH = '/ui';

/** The options of {@link adminUi}. */
export interface AdminUiOptions {
  /** The path the hub's handler is mounted at, as the browser reaches it. @default '/' */
  hubPath?: string;
  /** The folder of the built UI. @default {@link DEFAULT_DIST_DIR} */
  distDir?: string;
}

// The UI only talks to its own origin; no inline scripts, no framing.
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Reads the built index.html once and tells the page where the hub's API is. */
function loadIndex(distDir: string, hubPath: string): string | null {
  const file = join(distDir, 'index.html');
  if (!existsSync(file)) return null;
  return readFileSync(file, 'utf8').replace('%NEXOMATIC_HUB_PATH%', escapeAttribute(hubPath));
}

/**
 * An Express router serving the built admin UI under `/ui`: its static files, and index.html for
 * every other `/ui/...` path so that client-side routes survive a reload. It holds no secrets and
 * calls nothing itself: the page talks to the hub's API at `hubPath` with the user's token.
 *
 * @example
 * ```ts
 * app.use('/hub', hub.handler);
 * app.use(adminUi({ hubPath: '/hub/' }));
 * ```
 */
export function adminUi(options: AdminUiOptions = {}): Router {
  const distDir = options.distDir ?? DEFAULT_DIST_DIR;
  const hubPath = normalizeHubPath(options.hubPath ?? '/');
  const router = express.Router();
  let index: string | null = null;

  router.use(UI_PATH, (_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  });
  router.use(`${UI_PATH}/assets`, express.static(join(distDir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  router.use(UI_PATH, express.static(distDir, { index: false, fallthrough: true }));
  router.use(UI_PATH, (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    index ??= loadIndex(distDir, hubPath);
    if (index === null) {
      res
        .status(503)
        .type('text/plain')
        .send('The admin UI is not built yet. Run: npm run build -w @nexomatic/example-express-admin-ui');
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(index);
  });
  return router;
}

/** `/hub` and `/hub/` are the same mount point; the page wants the trailing slash. */
export function normalizeHubPath(path: string): string {
  const withLead = path.startsWith('/') ? path : `/${path}`;
  return withLead.endsWith('/') ? withLead : `${withLead}/`;
}
