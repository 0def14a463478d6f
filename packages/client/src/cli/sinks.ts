/** `nexomatic sinks list|control`. */
import { ControlSignal } from '@nexomatic/core';
import { connect, noMorePositionals, parseCommand, positional, printJson, wantsJson } from './args.js';
import { UsageError, type CommandIO } from './io.js';
import { table } from './table.js';

/** The help of `nexomatic sinks`. */
export const SINKS_USAGE = `Usage: nexomatic sinks <command> [options]

  list                          every sink: status, last seen, version, runtimes, running tasks
  control <sinkId> <signal>     send RESET (graceful restart), KILL (graceful shutdown) or
                                FORCE_KILL (immediate) to a connected sink (Admin)
`;

/** Runs `nexomatic sinks ...`; resolves with the exit code. */
export async function runSinks(argv: readonly string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  const parsed = parseCommand(rest);
  if (parsed.values.help || command === undefined) {
    if (parsed.values.help) io.stdout(SINKS_USAGE);
    else io.stderr(SINKS_USAGE);
    return parsed.values.help ? 0 : 2;
  }
  if (command === 'list') {
    noMorePositionals(parsed, 0);
    const sinks = await connect(parsed, io).sinks.list();
    if (wantsJson(parsed)) printJson(io, sinks);
    else
      io.stdout(
        table(
          ['ID', 'NAME', 'SINK TYPE', 'STATUS', 'LAST SEEN', 'VERSION', 'RUNTIMES', 'RUNNING'],
          sinks.map((s) => [s.id, s.name, s.sinkType, s.status, s.lastSeenAt, s.version, s.runtimes.join(','), s.running]),
          '(no sinks)',
        ),
      );
    return 0;
  }
  if (command === 'control') {
    const sinkId = positional(parsed, 0, 'the sink id: nexomatic sinks control <sinkId> <RESET|KILL|FORCE_KILL>');
    const raw = positional(parsed, 1, 'the signal: RESET, KILL or FORCE_KILL');
    noMorePositionals(parsed, 2);
    const signal = ControlSignal.safeParse(raw.toUpperCase());
    if (!signal.success) throw new UsageError(`signal: must be one of ${ControlSignal.options.join(', ')} (got "${raw}")`);
    await connect(parsed, io).sinks.control(sinkId, signal.data);
    if (wantsJson(parsed)) printJson(io, { sinkId, signal: signal.data, sent: true });
    else io.stdout(`sent ${signal.data} to ${sinkId}\n`);
    return 0;
  }
  throw new UsageError(`unknown command "sinks ${command}"\n\n${SINKS_USAGE}`);
}
