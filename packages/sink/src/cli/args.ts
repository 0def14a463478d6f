/**
 * The sink's settings as the CLI reads them: flags over environment variables, every problem named
 * by its variable and its flag. Used by `run`, `check` and `install`; never exits the process itself.
 */
import { parseArgs } from 'node:util';
import { SinkOptions, type SinkOptionsInput } from '../options.js';

/** One setting: the option it fills, its environment variable and its flag. */
export interface Setting {
  option:
    | 'hubUrl'
    | 'clientId'
    | 'clientSecret'
    | 'tenantUuid'
    | 'tenantSecret'
    | 'modules'
    | 'concurrency'
    | 'name'
    | 'pythonPath'
    | 'pwshPath'
    | 'maxLogBytesPerTask';
  env: string;
  flag: string;
}

/** Every setting of the sink, in the order the help lists them: `run` reads them, `check` validates them, `install` writes them. */
export const SETTINGS: readonly Setting[] = [
  { option: 'hubUrl', env: 'HUB_URL', flag: 'hub-url' },
  { option: 'clientId', env: 'CLIENT_ID', flag: 'client-id' },
  { option: 'clientSecret', env: 'CLIENT_SECRET', flag: 'client-secret' },
  { option: 'tenantUuid', env: 'TENANT_UUID', flag: 'tenant-uuid' },
  { option: 'tenantSecret', env: 'TENANT_SECRET', flag: 'tenant-secret' },
  { option: 'modules', env: 'SINK_MODULES', flag: 'modules' },
  { option: 'concurrency', env: 'SINK_CONCURRENCY', flag: 'concurrency' },
  { option: 'name', env: 'SINK_NAME', flag: 'name' },
  { option: 'pythonPath', env: 'SINK_PYTHON', flag: 'python' },
  { option: 'pwshPath', env: 'SINK_PWSH', flag: 'pwsh' },
  { option: 'maxLogBytesPerTask', env: 'SINK_MAX_LOG_BYTES', flag: 'max-log-bytes' },
];

/** Settings given as numbers. */
const NUMERIC: ReadonlySet<Setting['option']> = new Set<Setting['option']>(['concurrency', 'maxLogBytesPerTask']);

/** The option value of a setting's raw string: a list of module roots, a number, or the string. */
export function settingValue(option: Setting['option'], value: unknown): unknown {
  if (option === 'modules') return String(value).split(',').filter(Boolean);
  return NUMERIC.has(option) ? Number(value) : value;
}

/** Settings that hold secrets: never written into a unit file or a service definition. */
export const SECRET_ENVS: ReadonlySet<string> = new Set(['CLIENT_SECRET', 'TENANT_SECRET']);

/** Settings without which the sink cannot start. */
export const REQUIRED_SETTINGS: ReadonlySet<Setting['option']> = new Set<Setting['option']>(['hubUrl', 'clientId', 'clientSecret']);

/** `parseArgs` option descriptors for every setting's flag. */
export const SETTING_FLAGS = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }]));

/** `<variable> (--<flag>)` for an option name (of `settings`), as every message names a setting. */
export function describeSetting(option: string, settings: readonly Setting[] = SETTINGS): string {
  const setting = settings.find((s) => s.option === option);
  return setting ? `${setting.env} (--${setting.flag})` : option;
}

/**
 * The hub URL the product docs' "hub hostname and port" make: `HUB_HOST` (a host name, or
 * `host:port`) and `HUB_PORT`, `https` when `HUB_TLS` is `true`/`1` or the port is 443, else `http`.
 * Returns undefined without `HUB_HOST`.
 */
export function hubUrlFromHostPort(env: NodeJS.ProcessEnv): string | undefined {
  const host = env.HUB_HOST?.trim();
  if (!host) return undefined;
  const port = env.HUB_PORT?.trim();
  const hostPort = port ? `${host}:${port}` : host;
  const tls = /^(1|true|yes)$/i.test(env.HUB_TLS ?? '') || hostPort.endsWith(':443');
  return `${tls ? 'https' : 'http'}://${hostPort}`;
}

/**
 * Sets `HUB_URL` from `HUB_HOST`/`HUB_PORT` when only those are set, so the code reading
 * `HUB_URL` serves both forms. Returns the env it changed.
 */
export function applyHubHostPort(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!env.HUB_URL) {
    const url = hubUrlFromHostPort(env);
    if (url) env.HUB_URL = url;
  }
  return env;
}

/** The settings read, and every problem found in them. */
export interface SettingsRead {
  /** The settings as {@link startSink} takes them (only those given). */
  input: Partial<SinkOptionsInput>;
  /** Where each given setting came from: `flag`, `env`. */
  sources: Partial<Record<Setting['option'], 'flag' | 'env'>>;
  /** One line per problem, naming the variable and the flag. Empty when the settings are valid. */
  problems: string[];
}

/**
 * Reads every setting from parsed flag `values` over `env` and validates them with the sink's own
 * option schema. `required: false` skips the missing-setting problems (for `install` without
 * `--write-env`).
 */
export function readSettings(values: Record<string, unknown>, env: NodeJS.ProcessEnv, required = true): SettingsRead {
  const input: Record<string, unknown> = {};
  const sources: SettingsRead['sources'] = {};
  const problems: string[] = [];
  const missing = new Set<string>();
  const hubUrlEnv = env.HUB_URL || hubUrlFromHostPort(env);
  for (const { option, env: name, flag } of SETTINGS) {
    const fromFlag = values[flag];
    const value = fromFlag ?? (option === 'hubUrl' ? hubUrlEnv : env[name]);
    if (value === undefined || value === '') {
      missing.add(option);
      if (required && REQUIRED_SETTINGS.has(option)) {
        const alternatives = option === 'hubUrl' ? `${name} (or HUB_HOST and HUB_PORT)` : `the ${name} environment variable`;
        problems.push(`missing ${name}: set ${alternatives} or pass --${flag}`);
      }
      continue;
    }
    sources[option] = fromFlag === undefined ? 'env' : 'flag';
    input[option] = settingValue(option, value);
  }
  const result = SinkOptions.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const option = String(issue.path[0]);
      if (missing.has(option)) continue;
      problems.push(`${describeSetting(option)}: ${issue.message}`);
    }
  }
  return { input: input as Partial<SinkOptionsInput>, sources, problems };
}

/** Parses `argv` with the setting flags plus `extra`, failing with a message instead of throwing. */
export function parseCommandArgs<E extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(
  argv: string[],
  extra: E,
): { ok: true; values: Record<string, string | boolean | undefined>; positionals: string[] } | { ok: false; message: string } {
  try {
    const parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...SETTING_FLAGS, ...extra } });
    return { ok: true, values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
