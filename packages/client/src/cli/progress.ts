/**
 * A progress bar on the standard error, drawn only when it is a terminal (and not with `--json`):
 * scripts and pipes see nothing of it.
 */
import type { CommandIO } from './io.js';

/** A progress bar (or nothing, off a terminal). */
export interface Progress {
  /** Sets how much is done. */
  update(done: number, note?: string): void;
  /** Draws the finished bar and ends its line. */
  finish(note?: string): void;
}

const WIDTH = 30;

/** Starts a progress bar of `total` steps labelled `label`. */
export function startProgress(io: CommandIO, label: string, total: number, enabled = true): Progress {
  if (!enabled || !io.stderrIsTTY || total <= 0) return { update: () => {}, finish: () => {} };
  let last = '';
  const draw = (done: number, note = '') => {
    const ratio = Math.min(1, Math.max(0, done / total));
    const filled = Math.round(ratio * WIDTH);
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total}${note ? ` ${note}` : ''}`;
    if (line === last) return;
    last = line;
    io.stderr(`\r\x1b[2K${line}`);
  };
  draw(0);
  return {
    update: draw,
    finish(note) {
      draw(total, note);
      io.stderr('\n');
    },
  };
}
