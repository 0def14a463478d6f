import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { RESTART_EXIT_CODE } from './updater.js';
import { VersionsDir } from './versions-dir.js';

/** Options of {@link launch}. */
export interface LaunchOptions {
  /** The versions directory whose `current` version runs. */
  versionsDir: string;
  /** Arguments for `run` (settings flags); the environment passes through unchanged. */
  args: readonly string[];
  /** How to start the sink this launcher ships with, used while there is no `current` version. */
  fallback: { command: string; args: readonly string[] };
  /** Writes one line about what the launcher does. */
  write: (line: string) => void;
}

/**
 * `nexomatic-sink launch`: the stable entry a service runs. Starts `<versionsDir>/current`'s
 * `nexomatic-sink run <args>` (or the bundled sink while no version is installed) as a child with
 * the same stdio, forwards SIGTERM and SIGINT to it, and when it exits with
 * {@link RESTART_EXIT_CODE} (it switched `current` to a new version) starts the new current
 * version, unless a signal asked it to stop meanwhile (then it exits 0). Resolves with the exit code to exit with: the child's, or 128 + its signal number.
 */
export async function launch(options: LaunchOptions): Promise<number> {
  const dir = new VersionsDir(options.versionsDir);
  let child: ReturnType<typeof spawn> | undefined;
  let stopping = false;
  const forward = (signal: NodeJS.Signals): void => {
    stopping = true;
    child?.kill(signal);
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  try {
    for (;;) {
      const cli = await dir.currentCli();
      if (stopping) return 0;
      const [command, args] = cli
        ? [process.execPath, [cli, 'run', ...options.args]]
        : [options.fallback.command, [...options.fallback.args, 'run', ...options.args]];
      options.write(cli ? `starting ${cli}` : `no current version in ${dir.root}; starting the bundled sink`);
      child = spawn(command, args, { stdio: 'inherit' });
      const code = await new Promise<number>((resolve) => {
        child!.on('error', (error) => {
          options.write(`could not start the sink: ${error.message}`);
          resolve(1);
        });
        child!.on('exit', (exitCode, signal) => resolve(exitCode ?? 128 + (signal ? constants.signals[signal] : 0)));
      });
      child = undefined;
      if (code !== RESTART_EXIT_CODE) return code;
      // Asked to stop while the sink drained for a switch: stop; the next start runs the new version.
      if (stopping) return 0;
      options.write(`the sink exited ${RESTART_EXIT_CODE} (switched version); starting the current version`);
    }
  } finally {
    process.off('SIGTERM', forward);
    process.off('SIGINT', forward);
  }
}
