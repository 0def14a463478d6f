/** `nexomatic sources list`. */
import { connect, noMorePositionals, parseCommand, printJson, wantsJson } from './args.js';
import { UsageError, type CommandIO } from './io.js';
import { table } from './table.js';

/** The help of `nexomatic sources`. */
export const SOURCES_USAGE = `Usage: nexomatic sources <command> [options]

  list             every Source: type, Event Types, enabled, and its URLs (Admin only: a Source
                   URL is a credential that fires events)
`;

/** Runs `nexomatic sources ...`; resolves with the exit code. */
export async function runSources(argv: readonly string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  const parsed = parseCommand(rest);
  if (parsed.values.help || command === undefined) {
    if (parsed.values.help) io.stdout(SOURCES_USAGE);
    else io.stderr(SOURCES_USAGE);
    return parsed.values.help ? 0 : 2;
  }
  if (command === 'list') {
    noMorePositionals(parsed, 0);
    const sources = await connect(parsed, io).sources.list();
    if (wantsJson(parsed)) printJson(io, sources);
    else
      io.stdout(
        table(
          ['NAME', 'TYPE', 'ENABLED', 'EVENT TYPES', 'URLS'],
          sources.map((s) => [s.name, s.type, s.enabled, s.eventTypes.join(','), s.urls.join(' ')]),
          '(no sources)',
        ),
      );
    return 0;
  }
  throw new UsageError(`unknown command "sources ${command}"\n\n${SOURCES_USAGE}`);
}
