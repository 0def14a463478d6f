/** The command line both `install` targets share: their common flags, `--help`, the settings. */
import { parseCommandArgs, readSettings, type SettingsRead } from './args.js';
import type { CommandIO } from './io.js';
import { currentLauncher, type Launcher } from './launcher.js';

/** The flags every `install` target takes besides its own. */
const INSTALL_FLAGS = {
  'environment-file': { type: 'string' },
  'write-env': { type: 'boolean' },
  'auto-update': { type: 'boolean' },
  'stop-timeout': { type: 'string' },
  node: { type: 'string' },
  cli: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** An `install` command line, read. */
export interface InstallArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** `--write-env`: the settings are required and written to the env file. */
  writeEnv: boolean;
  settings: SettingsRead;
  /** The settings' problems; the target adds its own. */
  problems: string[];
  /** `--stop-timeout` (default 300); the target checks it. */
  stopTimeoutS: number;
}

/**
 * Reads `install <target>` flags: the shared ones plus `own`. Returns the exit code instead when
 * the command is done already: 2 after a flag error, 0 after `--help`.
 */
export function readInstallArgs(
  argv: string[],
  io: CommandIO,
  target: string,
  usage: string,
  own: Record<string, { type: 'string' }>,
): InstallArgs | number {
  const args = parseCommandArgs(argv, { ...own, ...INSTALL_FLAGS });
  if (!args.ok) {
    io.stderr(`nexomatic-sink install ${target}: ${args.message}\n\n${usage}`);
    return 2;
  }
  const { values } = args;
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  const writeEnv = values['write-env'] === true;
  const settings = readSettings(values, io.env, writeEnv);
  const stopTimeoutS = values['stop-timeout'] === undefined ? 300 : Number(values['stop-timeout']);
  return { values, positionals: args.positionals, writeEnv, settings, problems: [...settings.problems], stopTimeoutS };
}

/** What the service starts: the launcher (`--node`, `--cli`) and its command (`launch --auto-update` or `run`). */
export function serviceCommand(values: InstallArgs['values']): { launcher: Launcher; command: string[] } {
  const launcher = currentLauncher({ node: values.node as string | undefined, cli: values.cli as string | undefined });
  return { launcher, command: values['auto-update'] === true ? ['launch', '--auto-update'] : ['run'] };
}
