/**
 * `nexomatic-sink install systemd`: writes a systemd unit that runs the sink as a hardened service,
 * its credentials in an `EnvironmentFile=` (never in the unit itself).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { envFileText, writeEnvFile } from './env-file.js';
import { readInstallArgs, serviceCommand } from './install-args.js';
import type { CommandIO } from './io.js';
import type { Launcher } from './launcher.js';

export const SYSTEMD_USAGE = `Usage: nexomatic-sink install systemd [options]

Writes a systemd unit running "nexomatic-sink run" as a service.

Options:
  --output <path>            unit file to write (default: /etc/systemd/system/nexomatic-sink.service)
  --user <name>              system user the sink runs as (default: nexomatic-sink)
  --environment-file <path>  EnvironmentFile= holding the settings (default: /etc/nexomatic-sink/sink.env)
  --write-env                also write the env file (mode 0600) from the current settings
  --auto-update              run "launch --auto-update": follow the version the hub asks for
  --stop-timeout <secs>      how long a stop may drain running tasks (default: 300)
  --node <path>              node binary (default: the one running this command)
  --cli <path>               nexomatic-sink script (default: the one running this command)
  (with --write-env, every option of "run" is read as "run" reads it)
`;

/** What the unit file is made of. */
export interface SystemdUnitInput {
  launcher: Launcher;
  /** The unit's name without `.service`; also the name of its state directory. */
  name: string;
  user: string;
  envFile: string;
  stopTimeoutS: number;
  /** The command and its flags: `['run']`, or `['launch', '--auto-update']` for a self-updating sink. */
  command: string[];
  /** Module roots, made writable (Python writes nothing there: its byte code goes to the state dir). */
  modules?: string[] | undefined;
}

/** One ExecStart argument: `%` and `$` escaped, quoted when it holds blanks, quotes or backslashes. */
export function systemdArg(arg: string): string {
  const escaped = arg.replaceAll('%', '%%').replaceAll('$', '$$$$');
  return /[\s"'\\;]/.test(escaped) ? `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"` : escaped;
}

/** A path in a directive: `%` escaped, blanks refused (systemd reads them as separators). */
function systemdPath(path: string): string {
  if (/\s/.test(path)) throw new Error(`${path}: a path with blanks cannot be used in a unit file`);
  return path.replaceAll('%', '%%');
}

/** The text of the unit file. */
export function systemdUnit(input: SystemdUnitInput): string {
  const { launcher, name, user, envFile, stopTimeoutS } = input;
  const exec = [launcher.node, ...launcher.args, ...input.command].map(systemdArg).join(' ');
  const writable = (input.modules ?? []).map((dir) => `-${systemdPath(dir)}`);
  return `# Written by \`nexomatic-sink install systemd\` (@nexomatic/sink ${packageJson.version}).
# The settings, CLIENT_SECRET included, live in ${envFile} (mode 0600), never in this file.
# Install:  systemctl daemon-reload && systemctl enable --now ${name}
[Unit]
Description=Nexomatic sink agent (${name})
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=${user}
EnvironmentFile=${systemdPath(envFile)}
Environment=NODE_ENV=production
Environment=HOME=%S/${name}
Environment=PYTHONPYCACHEPREFIX=%S/${name}/pycache
ExecStart=${exec}
StateDirectory=${name}
StateDirectoryMode=0750
WorkingDirectory=%S/${name}
# Restart after a crash or a self-update; not after bad settings (2) or refused credentials (3).
Restart=always
RestartSec=5
RestartPreventExitStatus=2 3
# SIGTERM goes to the sink alone, which drains its running tasks; its workers are killed only
# if it has not finished within TimeoutStopSec.
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec=${stopTimeoutS}
# Hardening: the file system is read-only except the state directory${writable.length ? ' and the module roots' : ''}.
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${[`-%S/${name}`, ...writable].join(' ')}
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes
UMask=0027

[Install]
WantedBy=multi-user.target
`;
}

/** Runs `install systemd` with `argv` (after the target word); returns the exit code. */
export async function runInstallSystemd(argv: string[], io: CommandIO): Promise<number> {
  const args = readInstallArgs(argv, io, 'systemd', SYSTEMD_USAGE, { output: { type: 'string' }, user: { type: 'string' } });
  if (typeof args === 'number') return args;
  const { values, writeEnv, settings, problems, stopTimeoutS } = args;
  const output = resolve(String(values.output ?? '/etc/systemd/system/nexomatic-sink.service'));
  const envFile = resolve(String(values['environment-file'] ?? '/etc/nexomatic-sink/sink.env'));
  const user = String(values.user ?? 'nexomatic-sink');
  if (!output.endsWith('.service')) problems.push('--output: must name a .service file');
  if (!/^[a-z_][a-z0-9_-]*\$?$/i.test(user)) problems.push('--user: must be a user name, e.g. nexomatic-sink');
  if (!Number.isInteger(stopTimeoutS) || stopTimeoutS < 1) problems.push('--stop-timeout: must be a whole number of seconds');
  if (args.positionals.length > 0) problems.push(`unexpected argument "${args.positionals.join(' ')}"`);
  if (problems.length > 0) {
    io.stderr(`nexomatic-sink install systemd: invalid settings:\n  ${problems.join('\n  ')}\n`);
    return 2;
  }

  const modules = settings.input.modules?.map((dir) => resolve(dir));
  if (modules) settings.input.modules = modules;
  let unit: string;
  let envText: string | undefined;
  try {
    const { launcher, command } = serviceCommand(values);
    unit = systemdUnit({ launcher, name: basename(output, '.service'), user, envFile, stopTimeoutS, command, modules });
    if (writeEnv) envText = envFileText(settings);
  } catch (error) {
    io.stderr(`nexomatic-sink install systemd: ${(error as Error).message}\n`);
    return 2;
  }
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, unit, { mode: 0o644 });
  io.stdout(`wrote ${output}\n`);
  if (envText !== undefined) {
    await writeEnvFile(envFile, envText);
    io.stdout(`wrote ${envFile} (mode 0600)\n`);
  } else {
    io.stdout(`the unit reads its settings from ${envFile}: create it (mode 0600) or run again with --write-env\n`);
  }
  io.stdout(`next: useradd --system --no-create-home --shell /usr/sbin/nologin ${user}; systemctl daemon-reload; systemctl enable --now ${basename(output)}\n`);
  return 0;
}
