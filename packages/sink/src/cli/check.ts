/**
 * `nexomatic-sink check`: validates the configuration and reaches the hub with it, fast.
 *
 * Exit codes: 0 everything verified, 2 missing or invalid settings, 3 the hub refused the
 * credentials, 4 the hub cannot be reached (or is not a Nexomatic hub at that URL).
 */
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import type { HubHello } from '@nexomatic/core';
import packageJson from '../../package.json' with { type: 'json' };
import { credentialHeaders, openHubConnection, type SinkCredentials } from '../connection.js';
import { hubWebSocketUrl } from '../options.js';
import { parseCommandArgs, readSettings } from './args.js';
import type { CommandIO } from './io.js';

export const CHECK_USAGE = `Usage: nexomatic-sink check [options]

Validates the settings (the same variables and flags as "run") and reaches the hub with them:
GET <hub>/healthz, then the WebSocket upgrade with the credentials, then the hub's version.

Options:
  --timeout <seconds>        give up on the hub after this long (default: 5)
  (and every option of "run"; see nexomatic-sink --help)

Exit codes: 0 verified, 2 bad settings, 3 credentials refused, 4 hub unreachable.
`;

/** The outcome of {@link checkHub}. */
export type HubCheck =
  | { ok: true; healthzMs: number; hello?: HubHello; helloError?: string }
  | { ok: false; exitCode: 3 | 4; message: string };

/** What {@link checkHub} needs. */
export interface HubCheckInput {
  hubUrl: string;
  wsPath?: string | undefined;
  credentials: SinkCredentials;
  timeoutMs: number;
}

/** `http(s)` form of a hub URL (the settings accept `ws(s)` too). */
function httpBase(hubUrl: string): URL {
  const url = new URL(hubUrl);
  if (url.protocol === 'ws:') url.protocol = 'http:';
  if (url.protocol === 'wss:') url.protocol = 'https:';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

/** The reason behind a failed `fetch` or socket: `ECONNREFUSED`, `ENOTFOUND ...`, `timed out after 5 s`. */
function reasonOf(error: unknown, timeoutMs: number): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `timed out after ${timeoutMs / 1000} s`;
  const cause = err.cause;
  if (cause?.code) return cause.message?.includes(cause.code) ? cause.message : `${cause.code} ${cause.message ?? ''}`.trim();
  return cause?.message ?? err.message;
}

/** Attempts the WebSocket upgrade: 101, the refusing status, or the network error. */
function tryUpgrade(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: timeoutMs });
    const done = (result: { status: number } | { error: string }): void => {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve(result);
    };
    ws.on('open', () => done({ status: 101 }));
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      res.resume();
      done({ status: res.statusCode ?? 0 });
    });
    ws.on('error', (error) => done({ error: /handshake/i.test(error.message) ? `timed out after ${timeoutMs / 1000} s` : reasonOf(error, timeoutMs) }));
  });
}

/** Rejects after `ms` with a timeout message. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Reaches the hub: `GET <hub>/healthz`, then the WebSocket upgrade with the credentials (401/403
 * means refused), then `sink.hello` for the hub's version. A failed `hello` after an accepted
 * upgrade is reported but is not a failure: the credentials and the network are what `check` proves.
 */
export async function checkHub(input: HubCheckInput): Promise<HubCheck> {
  const { timeoutMs, credentials } = input;
  const base = httpBase(input.hubUrl);
  const healthz = new URL('healthz', base);
  const startedAt = performance.now();
  try {
    const res = await fetch(healthz, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    if (!res.ok) {
      return {
        ok: false,
        exitCode: 4,
        message: `the hub at ${base.href} answered GET ${healthz.pathname} with HTTP ${res.status}: is HUB_URL the hub's base URL (including its base path)?`,
      };
    }
  } catch (error) {
    return { ok: false, exitCode: 4, message: `cannot reach the hub at ${base.href}: ${reasonOf(error, timeoutMs)}` };
  }
  const healthzMs = Math.round(performance.now() - startedAt);

  const wsUrl = hubWebSocketUrl(base.href, input.wsPath);
  const upgrade = await tryUpgrade(wsUrl, credentialHeaders(credentials), timeoutMs);
  if ('error' in upgrade) return { ok: false, exitCode: 4, message: `cannot reach the hub at ${wsUrl}: ${upgrade.error}` };
  if (upgrade.status === 401 || upgrade.status === 403) {
    const check = credentials.tenantUuid ? 'CLIENT_SECRET, TENANT_UUID and TENANT_SECRET' : 'CLIENT_SECRET';
    return {
      ok: false,
      exitCode: 3,
      message: `credentials refused: check ${check} (the hub answered HTTP ${upgrade.status} for CLIENT_ID ${credentials.clientId})`,
    };
  }
  if (upgrade.status !== 101) {
    return { ok: false, exitCode: 4, message: `cannot reach the hub at ${wsUrl}: the WebSocket upgrade got HTTP ${upgrade.status}` };
  }

  const connection = openHubConnection(wsUrl, credentials, { onRefused: () => undefined, onDisconnected: () => undefined });
  try {
    return { ok: true, healthzMs, hello: await withTimeout(connection.client.sink.hello.query(), timeoutMs) };
  } catch (error) {
    return { ok: true, healthzMs, helloError: (error as Error).message };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Runs `check` with `argv` (after the command word); returns the exit code. */
export async function runCheck(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(argv, { timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' }, verbose: { type: 'boolean' } });
  if (!args.ok) {
    io.stderr(`nexomatic-sink check: ${args.message}\n\n${CHECK_USAGE}`);
    return 2;
  }
  if (args.values.help) {
    io.stdout(CHECK_USAGE);
    return 0;
  }
  const { input, problems } = readSettings(args.values, io.env);
  if (args.positionals.length > 0) problems.push(`unexpected argument "${args.positionals.join(' ')}"`);
  const timeoutText = args.values.timeout;
  const timeoutS = timeoutText === undefined ? 5 : Number(timeoutText);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 600) problems.push('--timeout: must be a number of seconds between 0 and 600');
  if (problems.length > 0) {
    io.stderr(`nexomatic-sink check: invalid settings:\n  ${problems.join('\n  ')}\n`);
    return 2;
  }

  const credentials: SinkCredentials = {
    clientId: input.clientId!,
    clientSecret: input.clientSecret!,
    tenantUuid: input.tenantUuid,
    tenantSecret: input.tenantSecret,
  };
  const result = await checkHub({ hubUrl: input.hubUrl!, credentials, timeoutMs: Math.round(timeoutS * 1000) });
  if (!result.ok) {
    io.stderr(`nexomatic-sink check: ${result.message}\n`);
    return result.exitCode;
  }
  const pin = credentials.tenantUuid
    ? `${credentials.tenantUuid}${credentials.tenantSecret ? ' (with TENANT_SECRET)' : ''}`
    : 'none (the sink serves every tenant of its Sink Type)';
  const hubVersion = result.hello ? result.hello.hubVersion : `unknown (sink.hello failed: ${result.helloError})`;
  const lines = [
    'nexomatic-sink check: OK',
    `  settings       valid`,
    `  hub            ${httpBase(input.hubUrl!).href} (GET healthz ${result.healthzMs} ms)`,
    `  hub version    ${hubVersion}`,
    `  Sink Type      ${credentials.clientId} (credentials accepted)`,
    `  tenant pin     ${pin}`,
    `  sink version   ${packageJson.version}${result.hello?.desiredVersion ? ` (the hub asks for ${result.hello.desiredVersion})` : ''}`,
  ];
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}
