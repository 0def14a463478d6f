/** `nexomatic schedules list|preview`. */
import { connect, int, noMorePositionals, parseCommand, positional, printJson, str, wantsJson } from './args.js';
import { UsageError, type CommandIO } from './io.js';
import { table } from './table.js';

/** The help of `nexomatic schedules`. */
export const SCHEDULES_USAGE = `Usage: nexomatic schedules <command> [options]

  list                          every Schedule: Event Type, cron, time zone, enabled, next run
  preview <cron> [--tz ZONE] [--count N] [--from ISO]
                                the next N (default 5, at most 100) run times of a cron
                                expression in an IANA time zone (default UTC); stores nothing
`;

/** Runs `nexomatic schedules ...`; resolves with the exit code. */
export async function runSchedules(argv: readonly string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  const parsed = parseCommand(rest, { tz: { type: 'string' }, count: { type: 'string' }, from: { type: 'string' } });
  if (parsed.values.help || command === undefined) {
    if (parsed.values.help) io.stdout(SCHEDULES_USAGE);
    else io.stderr(SCHEDULES_USAGE);
    return parsed.values.help ? 0 : 2;
  }
  if (command === 'list') {
    noMorePositionals(parsed, 0);
    const schedules = await connect(parsed, io).schedules.list();
    if (wantsJson(parsed)) printJson(io, schedules);
    else
      io.stdout(
        table(
          ['NAME', 'EVENT TYPE', 'CRON', 'TIME ZONE', 'ENABLED', 'NEXT RUN'],
          schedules.map((s) => [s.name, s.eventType, s.cron, s.timeZone, s.enabled, s.nextRun]),
          '(no schedules)',
        ),
      );
    return 0;
  }
  if (command === 'preview') {
    const cron = positional(parsed, 0, 'the cron expression: nexomatic schedules preview "<cron>" [--tz ZONE] [--count N]');
    noMorePositionals(parsed, 1);
    const count = int(parsed, 'count', 1, 100);
    const timeZone = str(parsed, 'tz');
    const from = str(parsed, 'from');
    const runs = await connect(parsed, io).schedules.preview({
      cron,
      ...(timeZone ? { timeZone } : {}),
      ...(count !== undefined ? { count } : {}),
      ...(from ? { from } : {}),
    });
    if (wantsJson(parsed)) printJson(io, runs);
    else io.stdout(runs.map((run) => `${run}\n`).join(''));
    return 0;
  }
  throw new UsageError(`unknown command "schedules ${command}"\n\n${SCHEDULES_USAGE}`);
}
