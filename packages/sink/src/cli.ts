#!/usr/bin/env node
/**
 * `nexomatic-sink [run]`: runs a sink agent configured by environment variables, overridable by flags.
 *
 * Signals: SIGTERM closes like `KILL` (running tasks finish, reports are sent); a second SIGTERM, or
 * a SIGINT, closes like `FORCE_KILL` (running tasks are killed and reported `ERROR` `KILLED`); one
 * more signal after that exits at once with 130.
 *
 * Exit codes: 0 closed cleanly (SIGTERM/SIGINT or a KILL/FORCE_KILL signal), 1 stopped by an error,
 * 2 missing or invalid settings, 3 the hub refused the credentials, 75 switched to a new version
 * (`--auto-update`; start it again, as `nexomatic-sink launch` does).
 */
import { parseArgs } from 'node:util';
import { isNexomaticError, streamLogger } from '@nexomatic/core';
import { resolveSinkOptions, type SinkOptionsInput } from './options.js';
import { startSink, type Sink } from './sink.js';
import { UPDATE_FLAGS, UPDATE_USAGE, enableAutoUpdate, readUpdateSettings, type UpdateSettings } from './update/auto-update.js';
import { launch } from './update/launcher.js';
import { RESTART_EXIT_CODE } from './update/updater.js';
import { SINK_VERSION } from './update/version.js';
import { SETTINGS, REQUIRED_SETTINGS, applyHubHostPort, describeSetting, settingValue } from './cli/args.js';
import { isCommand, runCommand } from './cli/commands.js';

const USAGE = `Usage: nexomatic-sink [run] [options]
       nexomatic-sink launch [options]   run the current version of the versions directory (for services)
       nexomatic-sink check [options]    validate the settings and reach the hub (--help for more)
       nexomatic-sink install <systemd | windows-service> [options]   write a service definition

Connects to a Nexomatic hub and runs the modules of the tasks it sends.

Options (each also read from the environment variable shown):
  --hub-url <url>          HUB_URL         hub base URL, e.g. http://127.0.0.1:4000
                           HUB_HOST, HUB_PORT  or the hub's host and port (HUB_TLS=1 for https)
  --client-id <name>       CLIENT_ID       Sink Type name, e.g. LOCAL:BASE
  --client-secret <secret> CLIENT_SECRET   secret of that Sink Type
  --tenant-uuid <uuid>     TENANT_UUID     pin the sink to one tenant (optional)
  --tenant-secret <secret> TENANT_SECRET   tenant registration secret (optional)
  --modules <dir>[,<dir>]  SINK_MODULES    module root directories (default: current directory)
  --concurrency <n>        SINK_CONCURRENCY most tasks at once (default: 4)
  --name <name>            SINK_NAME       display name (default: <hostname>-<pid>)
  --python <path>          SINK_PYTHON     Python 3.9+ for .py modules (default: python3)
  --pwsh <path>            SINK_PWSH       PowerShell 7 for .ps1/.psm1 modules (default: pwsh)
  --max-log-bytes <n>      SINK_MAX_LOG_BYTES most log bytes per task, then truncated (default: 10485760)
  --in-process             SINK_IN_PROCESS=1 run node modules in the agent's process (trusted, hot paths)
  --verbose                                debug logging
  --version                                print the version and exit
  -h, --help                               this help

${UPDATE_USAGE}`;

function fail(code: number, message: string): never {
  process.stderr.write(`nexomatic-sink: ${message}\n`);
  process.exit(code);
}

/** Builds the sink options from flags over environment variables; exits 2 naming a bad setting. */
function readOptions(argv: string[]): SinkOptionsInput & { verbose: boolean; update: UpdateSettings; launchArgs?: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      tokens: true,
      options: {
        ...Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }])),
        ...UPDATE_FLAGS,
        verbose: { type: 'boolean' },
        'in-process': { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail(2, `${(error as Error).message}\n\n${USAGE}`);
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (parsed.values.version) {
    process.stdout.write(`${SINK_VERSION}\n`);
    process.exit(0);
  }
  const update = readUpdateSettings(parsed.values);
  const [command = 'run', ...rest] = parsed.positionals;
  if (command === 'launch' && rest.length === 0) {
    // The launched version validates the settings; the launcher passes its flags on unchanged.
    const at = parsed.tokens.find((token) => token.kind === 'positional')!.index;
    return { verbose: false, update, launchArgs: argv.filter((_, i) => i !== at) } as ReturnType<typeof readOptions>;
  }
  if (command !== 'run' || rest.length > 0) fail(2, `unknown command "${parsed.positionals.join(' ')}"\n\n${USAGE}`);

  const raw: Record<string, unknown> = {};
  for (const { option, env, flag } of SETTINGS) {
    const value = (parsed.values as Record<string, unknown>)[flag] ?? process.env[env];
    if (value === undefined || value === '') {
      if (REQUIRED_SETTINGS.has(option)) fail(2, `missing ${env}: set the ${env} environment variable or pass --${flag}`);
      continue;
    }
    raw[option] = settingValue(option, value);
  }
  try {
    resolveSinkOptions(raw as SinkOptionsInput);
  } catch (error) {
    if (!isNexomaticError(error, 'VALIDATION')) throw error;
    const issues = (error.cause as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues ?? [];
    const lines = issues.map((issue) => `${describeSetting(String(issue.path[0]))}: ${issue.message}`);
    fail(2, `invalid settings:\n  ${lines.join('\n  ')}`);
  }
  if (parsed.values['in-process'] === true || process.env.SINK_IN_PROCESS === '1') raw.inProcess = true;
  return { ...(raw as unknown as SinkOptionsInput), verbose: parsed.values.verbose === true, update };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (isCommand(argv)) process.exit(await runCommand(argv));
  applyHubHostPort(process.env);
  const { verbose, update, launchArgs, ...input } = readOptions(process.argv.slice(2));
  if (launchArgs) {
    const write = (line: string) => process.stderr.write(`nexomatic-sink launch: ${line}\n`);
    const fallback = { command: process.execPath, args: [...process.execArgv, process.argv[1]!] };
    process.exit(await launch({ versionsDir: update.versionsDir, args: launchArgs, fallback, write }));
  }
  const logger = streamLogger(verbose ? 'debug' : 'info');
  const abort = new AbortController();
  let sink: Sink | undefined;
  let draining = false;
  let forced = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (forced || (!sink && abort.signal.aborted)) fail(130, `${signal} again: exiting at once`);
    if (!sink) return abort.abort();
    if (signal === 'SIGTERM' && !draining) {
      draining = true;
      logger.info('SIGTERM: closing like KILL (running tasks finish first; SIGTERM again or SIGINT kills them)');
      return void sink.close();
    }
    forced = true;
    logger.info(`${signal}: closing like FORCE_KILL (running tasks are killed; one more signal exits at once)`);
    void sink.close({ force: true });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    sink = await startSink({ ...input, logger, signal: abort.signal });
  } catch (error) {
    if (isNexomaticError(error, 'UNAUTHENTICATED')) fail(3, error.message);
    if (isNexomaticError(error, 'CLOSED')) process.exit(0);
    fail(1, error instanceof Error ? error.message : String(error));
  }
  console.log(`sink ${sink.name} ONLINE (sinkId ${sink.sinkId})`);
  const updater = update.autoUpdate ? enableAutoUpdate(sink, update) : undefined;
  const closed = await sink.closed;
  if (closed.error?.code === 'UNAUTHENTICATED') fail(3, closed.error.message);
  if (closed.error) fail(1, closed.error.message);
  process.exit(updater?.switched && !closed.signal ? RESTART_EXIT_CODE : 0);
}

void main();
