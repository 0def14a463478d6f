import { execFile } from 'node:child_process';

/** Whether an interpreter is runnable, and its version or why not. */
export type RuntimeProbe = { available: true; version: string } | { available: false; reason: string };

/**
 * Runs `command args` (which should print a version and exit 0) and reports whether the
 * interpreter is usable. Never rejects; gives up after `timeoutMs`.
 */
export function probeRuntime(command: string, args: string[], timeoutMs = 15_000): Promise<RuntimeProbe> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      if (!error) {
        resolve({ available: true, version: stdout.trim() });
        return;
      }
      const code = (error as NodeJS.ErrnoException).code;
      const detail = code === 'ENOENT' ? 'not found on the PATH' : (stderr.trim().split('\n').pop() ?? '') || error.message;
      resolve({ available: false, reason: `${command} is not runnable: ${detail}` });
    });
  });
}
