/** Runs the sink CLI from its sources in a child process, for the CLI command tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (the CLI runs with it as working directory, so `--import tsx` resolves). */
export const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
/** The CLI's source file. */
export const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/** What one CLI run printed, and its exit code. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI process still running: what it printed so far, and its exit. */
export interface CliProcess {
  child: ChildProcess;
  output: () => CliResult;
  exit: Promise<CliResult>;
}

/** Starts `nexomatic-sink <args>` with only PATH, HOME and `env` in its environment. */
export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const output = (): CliResult => ({ code: child.exitCode, stdout, stderr });
  return { child, output, exit: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))) };
}

/** Runs `nexomatic-sink <args>` to its end. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).exit;
}
