/**
 * `@nexomatic/sink`: the Nexomatic sink agent. `startSink()` connects outbound to a hub, registers,
 * runs the modules of the tasks it receives in child processes, and reports logs and results back.
 * The `nexomatic-sink` CLI runs it from environment variables.
 *
 * @packageDocumentation
 */
export { startSink, Sink, type CloseOptions, type SinkAgentStatus, type SinkClosed, type SinkEvents } from './sink.js';
export { NonRetryableError, type NonRetryableErrorOptions } from './errors.js';
export type { ResultReportInput } from './tasks.js';
export { SinkOptions, resolveSinkOptions, hubWebSocketUrl, type SinkOptionsInput, type ResolvedSinkOptions } from './options.js';
export { Reporter, DEFAULT_MAX_PENDING_REPORTS, DEFAULT_MAX_PENDING_REPORT_BYTES, type ReporterOptions, type SendReports } from './reporter.js';
export { LogBudget, DEFAULT_MAX_LOG_BYTES_PER_TASK } from './log-budget.js';
export { NodeExecutor, type NodeExecutorOptions } from './executors/node.js';
export type { Executor, TaskAbortReason, TaskHooks, TaskLog, TaskOutcome } from './executors/executor.js';
export { resolveModulePath, moduleCandidates, NODE_MODULE_EXTENSIONS } from './executors/module-path.js';
export type { ModuleContext, RunFunction } from './executors/module-api.js';
export { InProcessNodeExecutor, type InProcessNodeExecutorOptions } from './executors/in-process.js';
export type { ModuleTaskInfo } from './executors/ipc.js';
export { ScriptExecutor, type ScriptExecutorOptions } from './executors/script-executor.js';
export { createPythonExecutor, probePython, PYTHON_MODULE_EXTENSIONS, type PythonExecutorOptions } from './executors/python.js';
export { createPowerShellExecutor, probePowerShell, POWERSHELL_MODULE_EXTENSIONS, type PowerShellExecutorOptions } from './executors/powershell.js';
export { RoutingExecutor, routeModules, probeRuntimes, availableRuntimes, runtimeOf, RUNTIME_EXTENSIONS, type RuntimeProbes } from './executors/router.js';
export type { RuntimeProbe } from './executors/runtime-probe.js';
export {
  SelfUpdater,
  RESTART_EXIT_CODE,
  DEFAULT_UPDATE_RETRY_MS,
  type SelfUpdaterOptions,
  type UpdateOutcome,
} from './update/updater.js';
export { enableAutoUpdate, readUpdateSettings, defaultVersionsDir, type UpdateSettings, type AutoUpdateOverrides } from './update/auto-update.js';
export { npmInstaller, updateSpec, DEFAULT_UPDATE_SOURCE, type Installer, type NpmInstallerOptions } from './update/install.js';
export { cliVerifier, settingsEnv, type Verifier, type CliVerifierOptions } from './update/verify.js';
export { VersionsDir, CURRENT_LINK } from './update/versions-dir.js';
