import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Logger } from '@nexomatic/core';
import { sinkPackageRoot } from './package-root.js';
import { probeRuntime, type RuntimeProbe } from './runtime-probe.js';
import { ScriptExecutor } from './script-executor.js';

/** File extensions of PowerShell modules: a script, or a module exporting `Run`. */
export const POWERSHELL_MODULE_EXTENSIONS = ['.ps1', '.psm1'] as const;

/** The PowerShell runner shipped in the package (`powershell/NexomaticRunner.ps1`). */
export function powershellRunnerPath(): string {
  return join(sinkPackageRoot(), 'powershell', 'NexomaticRunner.ps1');
}

const PWSH_ARGS = ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass'];

/** Whether `pwshPath` runs PowerShell 7 or newer; its version or why not. */
export function probePowerShell(pwshPath: string): Promise<RuntimeProbe> {
  const check = 'if ($PSVersionTable.PSVersion.Major -lt 7) { [Console]::Error.WriteLine("PowerShell 7 or newer is needed"); exit 1 }; $PSVersionTable.PSVersion.ToString()';
  return probeRuntime(pwshPath, [...PWSH_ARGS, '-Command', check]);
}

/** Options of {@link createPowerShellExecutor}. */
export interface PowerShellExecutorOptions {
  /** The PowerShell 7 executable, e.g. `pwsh`. */
  pwshPath: string;
  size: number;
  moduleRoots: ReadonlyArray<string>;
  logger?: Logger;
}

/**
 * The PowerShell executor: a lazily started pool of `pwsh` runner processes. A `.ps1` script runs
 * with `-Context -Payload -Params`; a `.psm1` module is imported once per worker and its `Run`
 * function is called. Runner messages travel as marked lines on stdout.
 */
export function createPowerShellExecutor(options: PowerShellExecutorOptions): ScriptExecutor {
  const roots = options.moduleRoots.map((root) => (isAbsolute(root) ? root : resolve(root)));
  return new ScriptExecutor({
    runtime: 'powershell',
    size: options.size,
    moduleRoots: roots,
    extensions: POWERSHELL_MODULE_EXTENSIONS,
    ...(options.logger ? { logger: options.logger } : {}),
    process: {
      command: options.pwshPath,
      args: [...PWSH_ARGS, '-File', powershellRunnerPath()],
      env: { ...process.env, NEXOMATIC_MODULE_ROOTS: roots.join(delimiter) },
      channel: 'stdout',
    },
  });
}
