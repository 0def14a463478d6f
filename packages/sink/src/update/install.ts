import { runProcess, tail } from './process.js';

/** Installs one version of `@nexomatic/sink` into an empty npm prefix directory; throws on failure. */
export type Installer = (version: string, prefix: string) => Promise<void>;

/** The default update source: the registry's `@nexomatic/sink` at the wanted version. */
export const DEFAULT_UPDATE_SOURCE = '@nexomatic/sink@{version}';

/** Options of {@link npmInstaller}. */
export interface NpmInstallerOptions {
  /**
   * The npm install spec, with `{version}` replaced by the wanted version, e.g.
   * `file:/srv/sink-tarballs/nexomatic-sink-{version}.tgz`.
   * @default {@link DEFAULT_UPDATE_SOURCE}
   */
  source?: string;
  /** The npm executable. @default `npm` (`npm.cmd` on Windows) */
  npm?: string;
  /** Gives up (and kills npm) after this long. @default 300000 */
  timeoutMs?: number;
  /** Environment of npm. @default process.env without the variables npm sets for a running script */
  env?: NodeJS.ProcessEnv;
}

/** The install spec of `version` from a `{version}` template. */
export function updateSpec(source: string, version: string): string {
  return source.replaceAll('{version}', version);
}

/**
 * npm's settings inherited from an `npm run` / `npx` parent point npm at that project; an install
 * into a versions directory must not see them.
 */
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(
      ([key]) => !/^npm_(package_|lifecycle_|command$|config_(local_)?prefix$|config_workspaces?$)/i.test(key),
    ),
  );
}

/**
 * An {@link Installer} running `npm install --prefix <prefix> <spec> --omit=dev --prefer-offline`.
 * Dependencies come from npm's cache first, then its configured registry.
 */
export function npmInstaller(options: NpmInstallerOptions = {}): Installer {
  const npm = options.npm ?? (process.platform === 'win32' ? 'npm.cmd' : 'npm');
  const source = options.source ?? DEFAULT_UPDATE_SOURCE;
  return async (version, prefix) => {
    const spec = updateSpec(source, version);
    const args = ['install', '--prefix', prefix, spec, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
    const run = await runProcess(npm, args, { env: cleanEnv(options.env ?? process.env), timeoutMs: options.timeoutMs ?? 300_000 });
    if (run.timedOut) throw new Error(`npm install ${spec} timed out`);
    if (run.code !== 0) throw new Error(`npm install ${spec} failed (exit ${run.code}): ${tail(run.stderr) || tail(run.stdout)}`);
  };
}
