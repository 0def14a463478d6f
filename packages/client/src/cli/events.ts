/** `nexomatic events list|show|tail|fire|rerun|cancel`. */
import { EventState, type EventRecord, type LogRecord } from '@nexomatic/core';
import type { Client } from '../client.js';
import { checkPayload, payloadSchemas } from '../config.js';
import { loadConfig } from '../node/load-config.js';
import { connect, int, noMorePositionals, parseCommand, positional, printJson, str, wantsJson, type Parsed } from './args.js';
import { UsageError, type CommandIO } from './io.js';
import { jsonObject, readFireLines, readText } from './input.js';
import { startProgress } from './progress.js';
import { details, table } from './table.js';

/** The help of `nexomatic events`. */
export const EVENTS_USAGE = `Usage: nexomatic events <command> [options]

  list [--state S] [--event-type T] [--root ID] [--limit N] [--cursor C]
                           the newest events (a page; the next page's cursor is printed on stderr)
  show <id> [--logs]       one event: state, attempts, payload, result, error (and its logs)
  tail [<id>]              without an id, follow new events and their states until Ctrl-C
                           (--event-type, --state filter; --interval ms); with an id, follow
                           that event's logs until it is finished
  fire <eventType> [--payload JSON | --payload-file FILE|-] [--priority N] [--idempotency-key K]
                   [--pin-sink ID] [--config FILE] [--wait [--timeout MS]]
                           fire one event; with --wait, wait for its outcome (exit 1 on ERROR);
                           with --config, check the payload against the config's Event Type first
  fire --file FILE|- [<eventType>] [--batch-size N] [--key-prefix P]
                           fire every line of a JSON lines file ({"eventType", "payload", ...}
                           per line, or one payload per line with <eventType>), in batches;
                           --key-prefix P gives line n the idempotency key P-n, so a re-run
                           of the same file fires nothing twice
  rerun <id>               fire a finished event again (a new event linked by rerunOf)
  cancel <id>              cancel a QUEUED event (it ends ERROR with code CANCELLED)
`;

const FINISHED: ReadonlySet<string> = new Set(['SUCCESS', 'WARNING', 'ERROR']);

function eventRows(events: readonly EventRecord[]) {
  return events.map((e) => [e.id, e.eventType, e.state, e.attempt, e.createdAt, e.error?.code]);
}
const EVENT_HEADERS = ['ID', 'EVENT TYPE', 'STATE', 'ATTEMPT', 'CREATED', 'ERROR'];

function logLine(r: LogRecord): string {
  const fields = r.fields && Object.keys(r.fields).length > 0 ? ` ${JSON.stringify(r.fields)}` : '';
  return `${r.time} [${r.attempt}] ${r.stream === 'log' ? r.level.toUpperCase().padEnd(7) : r.stream.padEnd(7)} ${r.message}${fields}\n`;
}

function stateFlag(parsed: Parsed) {
  const raw = str(parsed, 'state');
  if (raw === undefined) return undefined;
  const checked = EventState.safeParse(raw.toUpperCase());
  if (!checked.success) throw new UsageError(`--state: must be one of ${EventState.options.join(', ')} (got "${raw}")`);
  return checked.data;
}

/** Runs `nexomatic events ...`; resolves with the exit code. */
export async function runEvents(argv: readonly string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  const flags = {
    state: { type: 'string' },
    'event-type': { type: 'string' },
    root: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    logs: { type: 'boolean' },
    interval: { type: 'string' },
    payload: { type: 'string' },
    'payload-file': { type: 'string' },
    priority: { type: 'string' },
    'idempotency-key': { type: 'string' },
    'pin-sink': { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    file: { type: 'string' },
    'batch-size': { type: 'string' },
    'key-prefix': { type: 'string' },
    config: { type: 'string' },
  } as const;
  const parsed = parseCommand(rest, flags);
  if (parsed.values.help || command === undefined) {
    if (parsed.values.help) io.stdout(EVENTS_USAGE);
    else io.stderr(EVENTS_USAGE);
    return parsed.values.help ? 0 : 2;
  }
  const json = wantsJson(parsed);
  switch (command) {
    case 'list': {
      noMorePositionals(parsed, 0);
      const client = connect(parsed, io);
      const page = await client.events.list({
        state: stateFlag(parsed),
        eventType: str(parsed, 'event-type'),
        rootEventId: str(parsed, 'root'),
        cursor: str(parsed, 'cursor'),
        limit: int(parsed, 'limit', 1, 1000) ?? 50,
      });
      if (json) printJson(io, page);
      else {
        io.stdout(table(EVENT_HEADERS, eventRows(page.items), '(no events)'));
        if (page.nextCursor) io.stderr(`next page: --cursor ${page.nextCursor}\n`);
      }
      return 0;
    }
    case 'show': {
      const id = positional(parsed, 0, 'the event id: nexomatic events show <id>');
      noMorePositionals(parsed, 1);
      const client = connect(parsed, io);
      const event = await client.events.get(id);
      const logs = parsed.values.logs ? await client.events.logs(id) : undefined;
      if (json) printJson(io, logs ? { ...event, logs } : event);
      else {
        io.stdout(
          details([
            ['id', event.id],
            ['event type', event.eventType],
            ['state', event.state],
            ['attempt', `${event.attempt} of ${event.maxAttempts}`],
            ['sink type', event.sinkType],
            ['module', event.module],
            ['sink', event.sinkId],
            ['source', event.source.type],
            ['created', event.createdAt],
            ['started', event.startedAt],
            ['finished', event.finishedAt],
            ['chain', event.parentEventId ? `parent ${event.parentEventId}, root ${event.rootEventId}, depth ${event.chainDepth}` : null],
            ['rerun of', event.rerunOf],
            ['error', event.error ? `${event.error.code}: ${event.error.message}` : null],
            ['warnings', event.warnings.length > 0 ? event.warnings.join('; ') : null],
          ]),
        );
        io.stdout(`payload:\n${JSON.stringify(event.payload, null, 2)}\n`);
        if (event.result !== null) io.stdout(`result:\n${JSON.stringify(event.result, null, 2)}\n`);
        if (logs) io.stdout(`logs:\n${logs.map(logLine).join('') || '(none)\n'}`);
      }
      return 0;
    }
    case 'tail': {
      noMorePositionals(parsed, 1);
      const client = connect(parsed, io);
      const intervalMs = int(parsed, 'interval', 50, 60_000) ?? 1000;
      const id = parsed.positionals[0];
      return id ? tailLogsOf(client, id, intervalMs, json, io) : tailEvents(client, parsed, intervalMs, json, io);
    }
    case 'fire':
      return str(parsed, 'file') !== undefined ? fireFile(parsed, io) : fireOne(parsed, io);
    case 'rerun':
    case 'cancel': {
      const id = positional(parsed, 0, `the event id: nexomatic events ${command} <id>`);
      noMorePositionals(parsed, 1);
      const client = connect(parsed, io);
      const event = command === 'rerun' ? await client.events.rerun(id) : await client.events.cancel(id);
      if (json) printJson(io, event);
      else io.stdout(command === 'rerun' ? `fired ${event.id} (rerun of ${id}), ${event.state}\n` : `cancelled ${event.id}: ${event.state} ${event.error?.code ?? ''}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "events ${command}"\n\n${EVENTS_USAGE}`);
  }
}

async function fireOne(parsed: Parsed, io: CommandIO): Promise<number> {
  const eventType = positional(parsed, 0, 'the Event Type: nexomatic events fire <eventType> [--payload JSON]');
  noMorePositionals(parsed, 1);
  const inline = str(parsed, 'payload');
  const file = str(parsed, 'payload-file');
  if (inline !== undefined && file !== undefined) throw new UsageError('--payload and --payload-file: pass one of them');
  const payload =
    inline !== undefined ? jsonObject(inline, '--payload') : file !== undefined ? jsonObject(await readText(io, file), file) : {};
  const client = connect(parsed, io);
  const configPath = str(parsed, 'config');
  if (configPath !== undefined) checkPayload(payloadSchemas(await loadConfig(configPath)), eventType, payload);
  const fired = await client.fire(eventType, payload, {
    priority: int(parsed, 'priority', -1000, 1000),
    idempotencyKey: str(parsed, 'idempotency-key'),
    pinnedSinkId: str(parsed, 'pin-sink'),
  });
  if (!parsed.values.wait) {
    if (wantsJson(parsed)) printJson(io, fired);
    else io.stdout(`fired ${fired.id} (${fired.eventType}), ${fired.state}\n`);
    return 0;
  }
  const done = await client.events.wait(fired.id, int(parsed, 'timeout', 0, 86_400_000) ?? 60_000);
  if (wantsJson(parsed)) printJson(io, done);
  else {
    io.stdout(`${done.id} ${done.state}${done.error ? ` ${done.error.code}: ${done.error.message}` : ''}\n`);
    if (done.result !== null) io.stdout(`${JSON.stringify(done.result, null, 2)}\n`);
  }
  if (!FINISHED.has(done.state)) {
    io.stderr(`nexomatic: event ${done.id} is still ${done.state} after the timeout\n`);
    return 1;
  }
  return done.state === 'ERROR' ? 1 : 0;
}

async function fireFile(parsed: Parsed, io: CommandIO): Promise<number> {
  noMorePositionals(parsed, 1);
  const path = str(parsed, 'file')!;
  const lines = await readFireLines(io, path, parsed.positionals[0]);
  const size = int(parsed, 'batch-size', 1, 10_000) ?? 500;
  const prefix = str(parsed, 'key-prefix');
  const client = connect(parsed, io);
  const progress = startProgress(io, 'firing', lines.length, !wantsJson(parsed));
  const ids: string[] = [];
  for (let i = 0; i < lines.length; i += size) {
    const batch = lines.slice(i, i + size).map(({ line, input }) => ({
      ...input,
      ...(prefix && input.idempotencyKey === undefined ? { idempotencyKey: `${prefix}-${line}` } : {}),
    }));
    const fired = await client.fireBatch(batch);
    ids.push(...fired.map((e) => e.id));
    progress.update(ids.length);
  }
  progress.finish();
  if (wantsJson(parsed)) printJson(io, { fired: ids.length, ids });
  else io.stdout(`fired ${ids.length} event${ids.length === 1 ? '' : 's'} from ${path}\n`);
  return 0;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves when the process gets SIGINT or SIGTERM (the way a tail ends), and stops listening. */
function untilInterrupted(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => void process.off('SIGINT', stop).off('SIGTERM', stop),
  };
}

async function tailLogsOf(client: Client, id: string, intervalMs: number, json: boolean, io: CommandIO): Promise<number> {
  const interrupt = untilInterrupted();
  try {
    for await (const record of client.logs.tail(id, { intervalMs, signal: interrupt.signal })) {
      io.stdout(json ? `${JSON.stringify(record)}\n` : logLine(record));
    }
  } finally {
    interrupt.dispose();
  }
  if (!interrupt.signal.aborted) {
    const event = await client.events.get(id);
    io.stderr(`event ${id} ${event.state}${event.error ? ` ${event.error.code}` : ''}\n`);
  }
  return 0;
}

async function tailEvents(client: Client, parsed: Parsed, intervalMs: number, json: boolean, io: CommandIO): Promise<number> {
  const interrupt = untilInterrupted();
  const since = new Date().toISOString();
  const states = new Map<string, string>();
  const filter = { eventType: str(parsed, 'event-type'), state: stateFlag(parsed), createdFrom: since };
  io.stderr(`following events fired from ${since} (Ctrl-C to stop)\n`);
  try {
    while (!interrupt.signal.aborted) {
      const seen: EventRecord[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const answer = await client.events.list({ ...filter, limit: 200, cursor });
        seen.push(...answer.items);
        if (!answer.nextCursor) break;
        cursor = answer.nextCursor;
      }
      for (const event of seen.reverse()) {
        if (states.get(event.id) === event.state) continue;
        states.set(event.id, event.state);
        io.stdout(json ? `${JSON.stringify(event)}\n` : `${event.updatedAt} ${event.id} ${event.eventType} ${event.state}${event.error ? ` ${event.error.code}` : ''}\n`);
      }
      await pause(intervalMs, interrupt.signal);
    }
  } finally {
    interrupt.dispose();
  }
  return 0;
}
