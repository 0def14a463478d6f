import { extname } from 'node:path';
import { isNexomaticError, silentLogger, type Logger, type Runtime, type TaskRequest } from '@nexomatic/core';
import { errorOutcome, type Executor, type TaskHooks, type TaskOutcome } from './executor.js';
import { NODE_MODULE_EXTENSIONS, resolveModulePath } from './module-path.js';
import { POWERSHELL_MODULE_EXTENSIONS, createPowerShellExecutor, probePowerShell } from './powershell.js';
import { PYTHON_MODULE_EXTENSIONS, createPythonExecutor, probePython } from './python.js';
import type { RuntimeProbe } from './runtime-probe.js';
import type { ScriptExecutor } from './script-executor.js';

/** Module file extensions of each runtime; in a module root they are tried in this order. */
export const RUNTIME_EXTENSIONS: Readonly<Record<Runtime, ReadonlyArray<string>>> = {
  python: PYTHON_MODULE_EXTENSIONS,
  powershell: POWERSHELL_MODULE_EXTENSIONS,
  node: NODE_MODULE_EXTENSIONS,
};

const RUNTIME_NAMES: Record<Runtime, string> = { python: 'Python', powershell: 'PowerShell', node: 'Node' };

/** The runtime of a module file, by its extension. */
export function runtimeOf(file: string): Runtime | undefined {
  const ext = extname(file);
  return (Object.keys(RUNTIME_EXTENSIONS) as Runtime[]).find((runtime) => RUNTIME_EXTENSIONS[runtime].includes(ext));
}

/** A runtime the sink has an executor for, or why it has none. */
export type RuntimeSlot = { executor: Executor & Partial<Pick<ScriptExecutor, 'runFile'>> } | { missing: string };

/** Options of a {@link RoutingExecutor}. */
export interface RoutingExecutorOptions {
  moduleRoots: ReadonlyArray<string>;
  runtimes: Record<Runtime, RuntimeSlot>;
}

/**
 * The sink's executor: resolves a task's module path under the module roots, in order, to
 * `<root>/a/b.py` (Python), `.ps1`/`.psm1` (PowerShell) or `.mjs`/`.js`/`.ts`/`.mts` (node), and
 * hands the task to that runtime's executor. A module of a runtime the sink lacks ends `ERROR`
 * `MODULE_NOT_FOUND` saying why the runtime is missing.
 */
export class RoutingExecutor implements Executor {
  private readonly extensions: string[];
  /**
   * Each module path's file, once found: resolving probes the roots and extensions with one file
   * system call each (most of them failing), which cost a no-op task more than running it. Found
   * once per executor, like the modules themselves (a `RESET` starts a new executor).
   */
  private readonly files = new Map<string, string>();

  constructor(private readonly options: RoutingExecutorOptions) {
    this.extensions = Object.values(RUNTIME_EXTENSIONS).flat();
  }

  /** The runtimes this sink can run modules in, for its registration. */
  get runtimes(): Runtime[] {
    return (Object.keys(this.options.runtimes) as Runtime[]).filter((runtime) => 'executor' in this.options.runtimes[runtime]);
  }

  async run(task: TaskRequest, hooks: TaskHooks): Promise<TaskOutcome> {
    let file = this.files.get(task.module);
    if (file === undefined) {
      try {
        file = await resolveModulePath(task.module, this.options.moduleRoots, this.extensions);
      } catch (error) {
        return isNexomaticError(error) ? errorOutcome(error.code, error.message) : errorOutcome('MODULE_NOT_FOUND', String(error));
      }
      this.files.set(task.module, file);
    }
    const runtime = runtimeOf(file)!;
    const slot = this.options.runtimes[runtime];
    if ('missing' in slot) {
      const message = `module ${task.module} is a ${RUNTIME_NAMES[runtime]} module (${file}), but this sink has no ${runtime} runtime: ${slot.missing}`;
      return errorOutcome('MODULE_NOT_FOUND', message);
    }
    return slot.executor.runFile ? slot.executor.runFile(task, file, hooks) : slot.executor.run(task, hooks);
  }

  killAll(code: string, message: string): void {
    for (const slot of Object.values(this.options.runtimes)) if ('executor' in slot) slot.executor.killAll(code, message);
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.options.runtimes).map((slot) => ('executor' in slot ? slot.executor.close() : undefined)));
  }
}

/** Whether each interpreted runtime is runnable here. */
export interface RuntimeProbes {
  python: RuntimeProbe;
  powershell: RuntimeProbe;
}

/** Probes the Python and PowerShell interpreters (in parallel); never rejects. */
export async function probeRuntimes(options: { pythonPath: string; pwshPath: string }): Promise<RuntimeProbes> {
  const [python, powershell] = await Promise.all([probePython(options.pythonPath), probePowerShell(options.pwshPath)]);
  return { python, powershell };
}

/** The runtimes a sink with these probes runs modules in: node, and each runnable interpreter. */
export function availableRuntimes(probes: RuntimeProbes): Runtime[] {
  return ['node', ...(['python', 'powershell'] as const).filter((runtime) => probes[runtime].available)];
}

/** Options of {@link routeModules}. */
export interface RouteModulesOptions {
  /** Pool size of each interpreted runtime. */
  concurrency: number;
  moduleRoots: ReadonlyArray<string>;
  /** The Python interpreter (used when `probes.python` found it runnable). */
  pythonPath: string;
  /** The PowerShell 7 executable (used when `probes.powershell` found it runnable). */
  pwshPath: string;
  logger?: Logger;
}

/**
 * The sink's executor: `node` for JavaScript/TypeScript modules, plus a Python and a PowerShell
 * executor for each interpreter the probes found (their worker processes start with the first task).
 */
export function routeModules(node: Executor, probes: RuntimeProbes, options: RouteModulesOptions): RoutingExecutor {
  const logger = options.logger ?? silentLogger;
  const common = { size: options.concurrency, moduleRoots: options.moduleRoots, logger };
  const python: RuntimeSlot = probes.python.available
    ? { executor: createPythonExecutor({ ...common, pythonPath: options.pythonPath }) }
    : { missing: `${probes.python.reason} (set the Python interpreter with --python or the pythonPath option)` };
  const powershell: RuntimeSlot = probes.powershell.available
    ? { executor: createPowerShellExecutor({ ...common, pwshPath: options.pwshPath }) }
    : { missing: `${probes.powershell.reason} (install PowerShell 7, or set --pwsh or the pwshPath option)` };
  return new RoutingExecutor({ moduleRoots: options.moduleRoots, runtimes: { node: { executor: node }, python, powershell } });
}
