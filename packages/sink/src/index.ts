/**
 * `@nexomatic/sink`: the Nexomatic sink agent. `startSink()` connects outbound to a hub, registers,
 * runs the modules of the tasks it receives in child processes, and reports logs and results back.
 * The `nexomatic-sink` CLI runs it from environment variables.
 *
 * @packageDocumentation
 */
export { startSink, Sink, type SinkAgentStatus, type SinkClosed, type SinkEvents, type ResultReportInput } from './sink.js';
export { SinkOptions, resolveSinkOptions, hubWebSocketUrl, type SinkOptionsInput, type ResolvedSinkOptions } from './options.js';
export { Reporter, type ReporterOptions, type SendReports } from './reporter.js';
export { NodeExecutor, type NodeExecutorOptions } from './executors/node.js';
export type { Executor, TaskHooks, TaskLog, TaskOutcome } from './executors/executor.js';
export { resolveModulePath, moduleCandidates, NODE_MODULE_EXTENSIONS } from './executors/module-path.js';
export type { ModuleContext } from './executors/node-runner.js';
export type { ModuleTaskInfo } from './executors/ipc.js';
