/** How a service manager starts this CLI: the node binary, node's own flags, and the CLI script. */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** The command line that runs `nexomatic-sink`, without the command word. */
export interface Launcher {
  /** Absolute path of the node binary. */
  node: string;
  /** Node's flags (e.g. `--import tsx` when running from sources), then the CLI script's path. */
  args: string[];
}

/**
 * The launcher of the running CLI: `process.execPath`, `process.execArgv` and the real path of the
 * script (`process.argv[1]`, a bin symlink resolved to `dist/cli.js`), unless overridden by
 * `--node` / `--cli`. Never `npx`: a service must not resolve or download packages when it starts.
 */
export function currentLauncher(overrides: { node?: string | undefined; cli?: string | undefined } = {}): Launcher {
  const node = resolve(overrides.node ?? process.execPath);
  const script = overrides.cli ?? process.argv[1];
  if (!script) throw new Error('cannot tell the path of the nexomatic-sink script: pass --cli <path>');
  let cli = isAbsolute(script) ? script : resolve(script);
  try {
    cli = realpathSync(cli);
  } catch {
    // A path that does not exist here (e.g. written for another machine) is kept as given.
  }
  return { node, args: overrides.cli ? [cli] : [...process.execArgv, cli] };
}
