#!/usr/bin/env node
/**
 * `nexomatic-sink [run]`: runs a sink agent configured by environment variables, overridable by flags.
 *
 * Exit codes: 0 closed cleanly (SIGTERM/SIGINT or a KILL signal), 1 stopped by an error,
 * 2 missing or invalid settings, 3 the hub refused the credentials.
 */
import { parseArgs } from 'node:util';
import { isNexomaticError, streamLogger } from '@nexomatic/core';
import { resolveSinkOptions, type SinkOptionsInput } from './options.js';
import { startSink, type Sink } from './sink.js';

/** Each setting: the option it fills, its environment variable (if any) and its flag. */
const SETTINGS = [
  { option: 'hubUrl', env: 'HUB_URL', flag: 'hub-url' },
  { option: 'clientId', env: 'CLIENT_ID', flag: 'client-id' },
  { option: 'clientSecret', env: 'CLIENT_SECRET', flag: 'client-secret' },
  { option: 'tenantUuid', env: 'TENANT_UUID', flag: 'tenant-uuid' },
  { option: 'tenantSecret', env: 'TENANT_SECRET', flag: 'tenant-secret' },
  { option: 'modules', env: 'SINK_MODULES', flag: 'modules' },
  { option: 'concurrency', env: 'SINK_CONCURRENCY', flag: 'concurrency' },
  { option: 'name', env: 'SINK_NAME', flag: 'name' },
] as const;
const REQUIRED = new Set(['hubUrl', 'clientId', 'clientSecret']);

const USAGE = `Usage: nexomatic-sink [run] [options]

Connects to a Nexomatic hub and runs the modules of the tasks it sends.

Options (each also read from the environment variable shown):
  --hub-url <url>          HUB_URL         hub base URL, e.g. http://127.0.0.1:4000
  --client-id <name>       CLIENT_ID       Sink Type name, e.g. LOCAL:BASE
  --client-secret <secret> CLIENT_SECRET   secret of that Sink Type
  --tenant-uuid <uuid>     TENANT_UUID     pin the sink to one tenant (optional)
  --tenant-secret <secret> TENANT_SECRET   tenant registration secret (optional)
  --modules <dir>[,<dir>]  SINK_MODULES    module root directories (default: current directory)
  --concurrency <n>        SINK_CONCURRENCY most tasks at once (default: 4)
  --name <name>            SINK_NAME       display name (default: <hostname>-<pid>)
  --verbose                                debug logging
  -h, --help                               this help
`;

function describe(option: string): string {
  const setting = SETTINGS.find((s) => s.option === option);
  return setting ? `${setting.env} (--${setting.flag})` : option;
}

function fail(code: number, message: string): never {
  process.stderr.write(`nexomatic-sink: ${message}\n`);
  process.exit(code);
}

/** Builds the sink options from flags over environment variables; exits 2 naming a bad setting. */
function readOptions(argv: string[]): SinkOptionsInput & { verbose: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }])),
        verbose: { type: 'boolean' },
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
  const [command = 'run', ...rest] = parsed.positionals;
  if (command !== 'run' || rest.length > 0) fail(2, `unknown command "${parsed.positionals.join(' ')}"\n\n${USAGE}`);

  const raw: Record<string, unknown> = {};
  for (const { option, env, flag } of SETTINGS) {
    const value = (parsed.values as Record<string, unknown>)[flag] ?? process.env[env];
    if (value === undefined || value === '') {
      if (REQUIRED.has(option)) fail(2, `missing ${env}: set the ${env} environment variable or pass --${flag}`);
      continue;
    }
    if (option === 'modules') raw.modules = String(value).split(',').filter(Boolean);
    else if (option === 'concurrency') raw.concurrency = Number(value);
    else raw[option] = value;
  }
  try {
    resolveSinkOptions(raw as SinkOptionsInput);
  } catch (error) {
    if (!isNexomaticError(error, 'VALIDATION')) throw error;
    const issues = (error.cause as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues ?? [];
    const lines = issues.map((issue) => `${describe(String(issue.path[0]))}: ${issue.message}`);
    fail(2, `invalid settings:\n  ${lines.join('\n  ')}`);
  }
  return { ...(raw as unknown as SinkOptionsInput), verbose: parsed.values.verbose === true };
}

async function main(): Promise<void> {
  const { verbose, ...input } = readOptions(process.argv.slice(2));
  const logger = streamLogger(verbose ? 'debug' : 'info');
  const abort = new AbortController();
  let sink: Sink | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) fail(130, `${signal} again: exiting without waiting for running tasks`);
    logger.info(`${signal}: closing (running tasks finish first; send it again to exit now)`);
    if (sink) void sink.close();
    else abort.abort();
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
  const closed = await sink.closed;
  if (closed.error?.code === 'UNAUTHENTICATED') fail(3, closed.error.message);
  if (closed.error) fail(1, closed.error.message);
  process.exit(0);
}

void main();
