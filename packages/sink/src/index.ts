/**
 * `@nexomatic/sink`: the Nexomatic sink agent. `startSink()` connects outbound to a hub, registers,
 * runs the modules of the tasks it receives in child processes, and reports logs and results back.
 * The `nexomatic-sink` CLI runs it from environment variables.
 *
 * @packageDocumentation
 */
export { startSink, Sink, type SinkAgentStatus, type SinkClosed, type SinkEvents } from './sink.js';
export { NonRetryableError, type NonRetryableErrorOptions } from './errors.js';
export type { ResultReportInput } from './tasks.js';
export { SinkOptions, resolveSinkOptions, hubWebSocketUrl, type SinkOptionsInput, type ResolvedSinkOptions } from './options.js';
export { Reporter, DEFAULT_MAX_PENDING_REPORTS, type ReporterOptions, type SendReports } from './reporter.js';
export { NodeExecutor, type NodeExecutorOptions } from './executors/node.js';
export type { Executor, TaskAbortReason, TaskHooks, TaskLog, TaskOutcome } from './executors/executor.js';
export { resolveModulePath, moduleCandidates, NODE_MODULE_EXTENSIONS } from './executors/module-path.js';
export type { ModuleContext } from './executors/node-runner.js';
export type { ModuleTaskInfo } from './executors/ipc.js';
