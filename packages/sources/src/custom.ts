import type { SourceContext } from '@nexomatic/core';

/** Stops a running source. */
export type StopSource = () => Promise<void> | void;

/** A custom source: a name and a function that starts it with a {@link SourceContext}. */
export interface CustomSource {
  readonly name: string;
  start(context: SourceContext): Promise<StopSource> | StopSource;
}

/**
 * Defines a custom source in a few lines.
 *
 * @example
 * ```ts
 * const ticker = defineSource('ticker', (ctx) => {
 *   const timer = setInterval(() => void ctx.fire({ eventType: 'demo.tick' }), 60_000);
 *   return () => clearInterval(timer);
 * });
 * const stop = await ticker.start(hub.sourceContext({ type: 'custom', id: 'ticker' }));
 * ```
 */
export function defineSource(
  name: string,
  start: (context: SourceContext) => Promise<StopSource> | StopSource,
): CustomSource {
  return { name, start };
}
