import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Logger } from '@nexomatic/core';
import { sinkPackageRoot } from './package-root.js';
import { probeRuntime, type RuntimeProbe } from './runtime-probe.js';
import { ScriptExecutor } from './script-executor.js';

/** File extensions of Python modules. */
export const PYTHON_MODULE_EXTENSIONS = ['.py'] as const;

/** The Python runner shipped in the package (`python/nexomatic_runner.py`). */
export function pythonRunnerPath(): string {
  return join(sinkPackageRoot(), 'python', 'nexomatic_runner.py');
}

/** Whether `pythonPath` runs a Python 3.9 or newer; its version (e.g. `3.11.7`) or why not. */
export async function probePython(pythonPath: string): Promise<RuntimeProbe> {
  const check = 'import sys; assert sys.version_info >= (3, 9), "Python 3.9 or newer is needed, found %s" % sys.version.split()[0]; print("%d.%d.%d" % sys.version_info[:3])';
  return probeRuntime(pythonPath, ['-c', check]);
}

/** Options of {@link createPythonExecutor}. */
export interface PythonExecutorOptions {
  /** The interpreter, e.g. `python3` or `/opt/venv/bin/python`. */
  pythonPath: string;
  size: number;
  moduleRoots: ReadonlyArray<string>;
  logger?: Logger;
}

/**
 * The Python executor: a lazily started pool of `python3` runner processes. Module roots go first
 * on `sys.path`; each worker imports a module once and keeps it (a module edit needs a sink RESET).
 */
export function createPythonExecutor(options: PythonExecutorOptions): ScriptExecutor {
  const roots = options.moduleRoots.map((root) => (isAbsolute(root) ? root : resolve(root)));
  return new ScriptExecutor({
    runtime: 'python',
    size: options.size,
    moduleRoots: roots,
    extensions: PYTHON_MODULE_EXTENSIONS,
    ...(options.logger ? { logger: options.logger } : {}),
    process: {
      command: options.pythonPath,
      // -u: unbuffered output, so print() lines reach the log as they are written.
      args: ['-u', pythonRunnerPath()],
      env: { ...process.env, NEXOMATIC_MODULE_ROOTS: roots.join(delimiter), PYTHONIOENCODING: 'utf-8', PYTHONDONTWRITEBYTECODE: '1' },
      channel: 'fd3',
    },
  });
}
