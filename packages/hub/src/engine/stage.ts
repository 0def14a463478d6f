import type { EngineContext } from './context.js';
import type { SinkSession } from './session.js';

/** The longest a task stays staged for a busy sink before it goes back to the queue, in milliseconds. */
export const STAGE_MAX_MS = 1000;

/**
 * Hands the tasks staged for a sink (those staged before `before`: all by default) back to the
 * queue, their claim undone (see `Release.unclaim`); returns how many. A failure is logged: the
 * events then stay `RUNNING` on the sink until their lease runs out.
 */
export async function handBackStaged(ctx: EngineContext, session: SinkSession, before = Infinity): Promise<number> {
  const staged = session.unstage(before);
  if (staged.length === 0) return 0;
  try {
    await ctx.store.events.release(staged.map(({ task }) => ({ eventId: task.eventId, attempt: task.attempt, notBefore: null, unclaim: true })));
    return staged.length;
  } catch (error) {
    ctx.logger.error('could not hand staged tasks back to the queue', { sinkId: session.sinkId, count: staged.length, error: String(error) });
    return 0;
  }
}
