/**
 * The CLI commands besides `run`: `check`, `install systemd`, `install windows-service`.
 * `cli.ts` hands them the arguments when the first one names such a command.
 */
import { runCheck } from './check.js';
import { processIO, type CommandIO } from './io.js';
import { runInstallSystemd } from './install-systemd.js';
import { runInstallWindows } from './install-windows.js';

const INSTALL_USAGE = `Usage: nexomatic-sink install <systemd | windows-service> [options]

  systemd           writes a systemd unit (see nexomatic-sink install systemd --help)
  windows-service   writes a WinSW service definition (see nexomatic-sink install windows-service --help)
`;

/** The command words this module handles. */
export const COMMANDS = ['check', 'install'] as const;

/** True when `argv` starts with a command this module handles. */
export function isCommand(argv: readonly string[]): boolean {
  return (COMMANDS as readonly string[]).includes(argv[0] ?? '');
}

/** Runs the command `argv` starts with; resolves with its exit code. */
export async function runCommand(argv: readonly string[], io: CommandIO = processIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'check') return runCheck(rest, io);
  const [target, ...options] = rest;
  if (target === 'systemd') return runInstallSystemd(options, io);
  if (target === 'windows-service') return runInstallWindows(options, io);
  if (target === '--help' || target === '-h') {
    io.stdout(INSTALL_USAGE);
    return 0;
  }
  io.stderr(`nexomatic-sink: unknown install target "${target ?? ''}"\n\n${INSTALL_USAGE}`);
  return 2;
}
