import { definitionsRouter, eventsRouter, sinksRouter } from './api-router.js';
import { auditRouter } from './audit-router.js';
import { secretsRouter } from './secrets-router.js';
import { sessionRouter } from './session-router.js';
import { sourcesRouter } from './sources-router.js';
import { schedulesRouter } from './schedules-router.js';
import { sinkRouter } from './sink-router.js';
import { tenantsRouter } from './tenants-router.js';
import { tokensRouter } from './tokens-router.js';
import { usersRouter } from './users-router.js';
import { logsRouter } from './logs-router.js';
import { router } from './trpc.js';

/** The hub's whole tRPC router: the sink protocol and the API. */
export const appRouter = router({
  sink: sinkRouter,
  events: eventsRouter,
  logs: logsRouter,
  definitions: definitionsRouter,
  sinks: sinksRouter,
  secrets: secretsRouter,
  sources: sourcesRouter,
  schedules: schedulesRouter,
  audit: auditRouter,
  tokens: tokensRouter,
  users: usersRouter,
  tenants: tenantsRouter,
  session: sessionRouter,
});

/** The type of the hub's router, for typed clients (`@nexomatic/client`, `@nexomatic/sink`). */
export type AppRouter = typeof appRouter;
