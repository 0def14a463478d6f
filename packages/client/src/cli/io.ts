/** Where a CLI command reads and writes; the real process's by default, tests may pass their own. */
export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The standard input, for secret values and JSON lines. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  /** True when the standard error is a terminal: progress bars and prompts are drawn only then. */
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/** The real process's streams and environment. */
export function processIO(): CommandIO {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stdin: process.stdin,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
  };
}

/** A usage mistake: the command line itself is wrong (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
