/**
 * `nexomatic-sink install windows-service`: writes the service definition for WinSW, the standard
 * Windows service wrapper (https://github.com/winsw/winsw). WinSW's executable, renamed
 * `nexomatic-sink.exe`, sits beside `nexomatic-sink.xml` and installs and runs the service.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { envFileText, writeEnvFile } from './env-file.js';
import { readInstallArgs, serviceCommand } from './install-args.js';
import type { CommandIO } from './io.js';
import type { Launcher } from './launcher.js';

export const WINDOWS_USAGE = `Usage: nexomatic-sink install windows-service [options]

Writes nexomatic-sink.xml, the WinSW service definition running "nexomatic-sink run".
Put WinSW-x64.exe beside it as nexomatic-sink.exe, then run "nexomatic-sink.exe install".

Options:
  --output <dir>             directory to write into (default: the current directory)
  --id <id>                  service id and file name (default: nexomatic-sink)
  --environment-file <path>  env file node reads the settings from (default: %BASE%\\sink.env, beside the XML)
  --write-env                also write the env file from the current settings
  --auto-update              run "launch --auto-update": follow the version the hub asks for
  --stop-timeout <secs>      how long a stop may drain running tasks (default: 300)
  --node <path>              node.exe (default: the one running this command)
  --cli <path>               nexomatic-sink script (default: the one running this command)
  (with --write-env, every option of "run" is read as "run" reads it)
`;

/** What the service definition is made of. */
export interface WinswInput {
  launcher: Launcher;
  id: string;
  /** The env file as node.exe sees it; WinSW expands `%BASE%` and other variables. */
  envFile: string;
  stopTimeoutS: number;
  /** The command and its flags: `['run']`, or `['launch', '--auto-update']` for a self-updating sink. */
  command: string[];
}

/** Escapes text for an XML element or a double-quoted attribute. */
export function xmlEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');
}

/**
 * One Windows command-line argument, quoted when it holds blanks (paths under `Program Files`) or a
 * `%VARIABLE%` WinSW expands (to a path that may hold blanks).
 */
function windowsArg(arg: string): string {
  return /[\s"%]/.test(arg) ? `"${arg.replaceAll('"', '\\"')}"` : arg;
}

/** The text of `<id>.xml`. */
export function winswXml(input: WinswInput): string {
  const { launcher, id, envFile, stopTimeoutS } = input;
  const args = [`--env-file=${envFile}`, ...launcher.args, ...input.command].map(windowsArg).join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!--
  Written by \`nexomatic-sink install windows-service\` (@nexomatic/sink ${packageJson.version}).
  The settings, CLIENT_SECRET included, live in the env file node reads (${xmlEscape(envFile)}).
  Restrict it to SYSTEM and Administrators (icacls), and never commit it. Do not put CLIENT_SECRET
  or TENANT_SECRET in <env> entries here: this file is readable by every local user.
-->
<service>
  <id>${xmlEscape(id)}</id>
  <name>Nexomatic Sink (${xmlEscape(id)})</name>
  <description>Nexomatic sink agent: connects outbound to the hub and runs automation modules.</description>
  <executable>${xmlEscape(launcher.node)}</executable>
  <arguments>${xmlEscape(args)}</arguments>
  <workingdirectory>%BASE%</workingdirectory>
  <env name="NODE_ENV" value="production"/>
  <startmode>Automatic</startmode>
  <delayedAutoStart>true</delayedAutoStart>
  <!-- Restart after a crash or a self-update; slower after repeated failures. -->
  <onfailure action="restart" delay="5 sec"/>
  <onfailure action="restart" delay="30 sec"/>
  <resetfailure>1 hour</resetfailure>
  <!-- A stop sends Ctrl+C to the sink, which drains its running tasks before exiting. -->
  <stopparentprocessfirst>true</stopparentprocessfirst>
  <stoptimeout>${stopTimeoutS} sec</stoptimeout>
  <logpath>%BASE%\\logs</logpath>
  <log mode="roll-by-size">
    <sizeThreshold>10240</sizeThreshold>
    <keepFiles>8</keepFiles>
  </log>
</service>
`;
}

/** Runs `install windows-service` with `argv` (after the target word); returns the exit code. */
export async function runInstallWindows(argv: string[], io: CommandIO): Promise<number> {
  const args = readInstallArgs(argv, io, 'windows-service', WINDOWS_USAGE, { output: { type: 'string' }, id: { type: 'string' } });
  if (typeof args === 'number') return args;
  const { values, writeEnv, settings, problems, stopTimeoutS } = args;
  const dir = resolve(String(values.output ?? '.'));
  const id = String(values.id ?? 'nexomatic-sink');
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) problems.push('--id: letters, digits, - and _ only');
  if (!Number.isInteger(stopTimeoutS) || stopTimeoutS < 1) problems.push('--stop-timeout: must be a whole number of seconds');
  if (args.positionals.length > 0) problems.push(`unexpected argument "${args.positionals.join(' ')}"`);
  if (problems.length > 0) {
    io.stderr(`nexomatic-sink install windows-service: invalid settings:\n  ${problems.join('\n  ')}\n`);
    return 2;
  }

  const given = values['environment-file'] as string | undefined;
  const envPath = given ? resolve(given) : join(dir, 'sink.env');
  let xml: string;
  let envText: string | undefined;
  try {
    const { launcher, command } = serviceCommand(values);
    xml = winswXml({ launcher, id, envFile: given ? envPath : '%BASE%\\sink.env', stopTimeoutS, command });
    if (writeEnv) envText = envFileText(settings);
  } catch (error) {
    io.stderr(`nexomatic-sink install windows-service: ${(error as Error).message}\n`);
    return 2;
  }
  await mkdir(dir, { recursive: true });
  const output = join(dir, `${id}.xml`);
  await writeFile(output, xml);
  io.stdout(`wrote ${output}\n`);
  if (envText !== undefined) {
    await writeEnvFile(envPath, envText);
    io.stdout(`wrote ${envPath}: restrict it with icacls "${envPath}" /inheritance:r /grant:r SYSTEM:R Administrators:F\n`);
  } else {
    io.stdout(`the service reads its settings from ${given ? envPath : join(dir, 'sink.env')}: create it or run again with --write-env\n`);
  }
  io.stdout(`next: copy WinSW-x64.exe to ${join(dir, `${id}.exe`)}, then run "${id}.exe install" and "${id}.exe start"\n`);
  return 0;
}
