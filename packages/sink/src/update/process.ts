import { spawn } from 'node:child_process';

/** What a finished child process left behind. */
export interface ProcessResult {
  /** Exit code, or null when a signal ended it (or it timed out). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Options of {@link runProcess}. */
export interface RunProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kills the process (SIGKILL) after this long. */
  timeoutMs: number;
}

/** Most output kept per stream; longer output keeps its tail. */
const MAX_OUTPUT = 64 * 1024;

/** Runs `command args` to completion without a shell, capturing stdout and stderr (their last 64 KiB). */
export function runProcess(command: string, args: readonly string[], options: RunProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // npm is a .cmd script on Windows, which only a shell can start.
      shell: process.platform === 'win32' && !command.endsWith('.exe'),
      windowsHide: true,
    });
    const out = { stdout: '', stderr: '' };
    const keep = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      out[stream] = (out[stream] + chunk.toString('utf8')).slice(-MAX_OUTPUT);
    };
    child.stdout.on('data', keep('stdout'));
    child.stderr.on('data', keep('stderr'));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout: out.stdout, stderr: `${out.stderr}${error.message}`, timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, ...out, timedOut });
    });
  });
}

/** The last non-empty lines of some output, for an error message. */
export function tail(text: string, lines = 5): string {
  return text.trim().split(/\r?\n/).filter(Boolean).slice(-lines).join('\n');
}
