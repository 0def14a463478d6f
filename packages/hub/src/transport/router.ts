import { definitionsRouter, eventsRouter, sinksRouter } from './api-router.js';
import { sinkRouter } from './sink-router.js';
import { router } from './trpc.js';

/** The hub's whole tRPC router: the sink protocol and the API. */
export const appRouter = router({
  sink: sinkRouter,
  events: eventsRouter,
  definitions: definitionsRouter,
  sinks: sinksRouter,
});

/** The type of the hub's router, for typed clients (`@nexomatic/client`, `@nexomatic/sink`). */
export type AppRouter = typeof appRouter;
