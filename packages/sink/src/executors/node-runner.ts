/**
 * The node runner: a child process of the node executor. It takes one task at a time over IPC,
 * imports the module (TypeScript through tsx), calls `run(ctx, payload, params)` and sends the
 * outcome back. Module output on stdout/stderr is read by the executor from the pipes.
 */
import { pathToFileURL } from 'node:url';
import type { Json, LogLevel } from '@nexomatic/core';
import { END_MARK, type DoneMessage, type LogMessage, type RunMessage, type SecretReplyMessage, type SecretRequestMessage } from './ipc.js';
import { jsonProblem, toErrorData } from './module-result.js';
import { findRun, toFields, type ModuleContext } from './module-api.js';

export type { ModuleContext } from './module-api.js';

const loaded = new Map<string, Promise<Record<string, unknown>>>();

const pendingSecrets = new Map<number, { resolve: (value: string) => void; reject: (error: Error) => void }>();
let nextSecretRequest = 0;

function send(message: LogMessage | DoneMessage | SecretRequestMessage | { type: 'ready' }): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));
}

function importModule(file: string): Promise<Record<string, unknown>> {
  let module = loaded.get(file);
  if (!module) {
    const url = pathToFileURL(file).href;
    module = /\.m?ts$/.test(file)
      ? import('tsx/esm/api').then(({ tsImport }) => tsImport(url, import.meta.url))
      : import(url);
    loaded.set(file, module);
    module.catch(() => loaded.delete(file));
  }
  return module;
}

function writeMark(stream: NodeJS.WriteStream, id: string): Promise<void> {
  return new Promise((resolve) => stream.write(`${END_MARK}${id}\n`, () => resolve()));
}

/** Asks the executor for a secret over IPC; the executor asks the hub. */
function requestSecret(id: string, key: string): Promise<string> {
  const requestId = nextSecretRequest++;
  return new Promise<string>((resolve, reject) => {
    pendingSecrets.set(requestId, { resolve, reject });
    void send({ type: 'secret', id, requestId, key });
  });
}

function secretReply(reply: SecretReplyMessage): void {
  const pending = pendingSecrets.get(reply.requestId);
  if (!pending) return;
  pendingSecrets.delete(reply.requestId);
  if (typeof reply.value === 'string') pending.resolve(reply.value);
  else {
    // Same name and code as core's NexomaticError; the runner does not load core (and zod).
    const { code = 'FORBIDDEN', message = `secret refused` } = reply.error ?? {};
    pending.reject(Object.assign(new Error(message), { name: 'NexomaticError', code }));
  }
}

async function runTask(message: RunMessage): Promise<DoneMessage> {
  const warnings: string[] = [];
  const log = (level: LogLevel) => (text: string, fields?: Record<string, unknown>) => {
    const record: LogMessage = { type: 'log', id: message.id, level, message: String(text), time: new Date().toISOString() };
    const json = toFields(fields);
    if (json) record.fields = json;
    void send(record);
  };
  const ctx: ModuleContext = {
    task: message.task,
    log: { debug: log('debug'), info: log('info'), warning: log('warning'), error: log('error') },
    warn: (text) => void warnings.push(String(text)),
    secret: (key) => requestSecret(message.id, String(key)),
    traceparent: message.task.traceparent ?? null,
    tracestate: message.task.tracestate ?? null,
  };
  try {
    const run = findRun(await importModule(message.file));
    if (!run) {
      const error = { code: 'MODULE_ERROR', message: `module ${message.task.module} (${message.file}) exports no run function` };
      return { type: 'done', id: message.id, result: null, error, warnings };
    }
    const value = await run(ctx, message.payload, message.params);
    const problem = jsonProblem(value);
    if (problem) {
      const error = { code: 'RESULT_NOT_JSON', message: `module ${message.task.module} returned a value that is not JSON: ${problem}` };
      return { type: 'done', id: message.id, result: null, error, warnings };
    }
    return { type: 'done', id: message.id, result: value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json), error: null, warnings };
  } catch (thrown) {
    return { type: 'done', id: message.id, result: null, error: toErrorData(thrown), warnings };
  }
}

let queue = Promise.resolve();
process.on('message', (message: RunMessage | SecretReplyMessage) => {
  if (message?.type === 'secret-reply') return secretReply(message);
  if (message?.type !== 'run') return;
  queue = queue.then(async () => {
    const done = await runTask(message);
    await Promise.all([writeMark(process.stdout, message.id), writeMark(process.stderr, message.id)]);
    await send(done);
  });
});
process.on('disconnect', () => process.exit(0));
void send({ type: 'ready' });
