/** The longest wait between two reconnect attempts, in milliseconds. */
export const MAX_RETRY_DELAY_MS = 10_000;

/**
 * Exponential backoff with jitter for reconnects and resends: 0 for the first attempt, then about
 * 250 ms doubling each attempt, each wait drawn between half and all of it, capped at 10 s.
 */
export function retryDelayMs(attemptIndex: number, random: () => number = Math.random): number {
  if (attemptIndex <= 0) return 0;
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, 250 * 2 ** Math.min(attemptIndex, 16));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
