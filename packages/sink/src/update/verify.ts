import type { ResolvedSinkOptions } from '../options.js';
import { runProcess, tail } from './process.js';
import { VersionsDir } from './versions-dir.js';

/** Checks a staged install of `version` under `prefix` before it becomes current; throws why not. */
export type Verifier = (version: string, prefix: string) => Promise<void>;

/** Options of {@link cliVerifier}. */
export interface CliVerifierOptions {
  /** The environment the new version's `check` runs with (the sink's settings as variables). */
  env: NodeJS.ProcessEnv;
  /** Gives up on each command after this long. @default 60000 */
  timeoutMs?: number;
}

/**
 * The environment variables that carry a running sink's settings, for the new version's `check`
 * (flags given to this process would otherwise be lost).
 */
export function settingsEnv(options: ResolvedSinkOptions): Record<string, string> {
  const env: Record<string, string | undefined> = {
    HUB_URL: options.hubUrl,
    CLIENT_ID: options.clientId,
    CLIENT_SECRET: options.clientSecret,
    TENANT_UUID: options.tenantUuid,
    TENANT_SECRET: options.tenantSecret,
    SINK_MODULES: options.modules.join(','),
    SINK_CONCURRENCY: String(options.concurrency),
    SINK_NAME: options.name,
  };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * The default {@link Verifier}: runs the staged CLI with `--version` (it must print exactly the
 * wanted version), then `check` with the sink's settings (it must exit 0: configuration valid, hub
 * reachable). A version whose CLI has no `check` command yet (it answers `unknown command`) is
 * verified by `--version` alone. Both run in this process's working directory, as the relaunched
 * sink will, so relative module roots resolve alike.
 */
export function cliVerifier(options: CliVerifierOptions): Verifier {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return async (version, prefix) => {
    const cli = VersionsDir.cliOf(prefix);
    const run = (args: string[]) => runProcess(process.execPath, [cli, ...args], { env: options.env, timeoutMs });
    const shown = await run(['--version']);
    if (shown.code !== 0) throw new Error(`the new CLI's --version failed (exit ${shown.code}): ${tail(shown.stderr)}`);
    if (shown.stdout.trim() !== version) {
      throw new Error(`the installed sink says it is version ${JSON.stringify(shown.stdout.trim())}, not ${version}`);
    }
    const check = await run(['check']);
    if (check.code === 0) return;
    if (check.code === 2 && /unknown command/.test(check.stderr)) return;
    const why = check.timedOut ? 'timed out' : `exit ${check.code}`;
    throw new Error(`the new version's check failed (${why}): ${tail(check.stderr) || tail(check.stdout)}`);
  };
}
