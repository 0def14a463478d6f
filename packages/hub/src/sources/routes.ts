import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubServices } from '../transport/context.js';
import { answerFailure } from './answer.js';
import { handleEventGrid } from './eventgrid-endpoint.js';
import { handleWebhook } from './webhook-endpoint.js';

/** Serves one Source request; calls `notFound` for a path or token that names no Source. */
export type SourceRoute = (req: IncomingMessage, res: ServerResponse, notFound: () => void) => void;

const segment = (raw: string | undefined): string | null => {
  if (raw === undefined || raw === '') return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

/**
 * The Source routes under `basePath`: `hooks/<token>`, `hooks/<token>/<eventType>` and
 * `eventgrid/<token>`. Returns the route serving `url` (path and query), or null when it is no
 * Source path at all.
 */
export function sourceRoute(services: HubServices, url: string): SourceRoute | null {
  const { basePath } = services.options;
  const [pathname = '', search = ''] = url.split('?', 2);
  if (!pathname.startsWith(basePath)) return null;
  const parts = pathname.slice(basePath.length).split('/');
  const [room, token, rest, ...extra] = parts;
  if (room !== 'hooks' && room !== 'eventgrid') return null;
  return (req, res, notFound) => {
    const run = async () => {
      if (!token || extra.length > 0) return notFound();
      if (room === 'hooks') return handleWebhook(services, req, res, token, segment(rest), notFound);
      if (rest !== undefined && rest !== '') return notFound();
      return handleEventGrid(services, req, res, token, new URLSearchParams(search), notFound);
    };
    run().catch((error: unknown) => answerFailure(req, res, error, services.options.logger, room));
  };
}
