/** Stopping a long-running example cleanly, on Ctrl+C or a service manager's stop. */

/** On the first SIGINT or SIGTERM, runs `close` once, then exits the process with code 0. */
export function exitOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void close().then(() => process.exit(0));
    });
  }
}
