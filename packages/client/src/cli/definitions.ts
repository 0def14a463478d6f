/** `nexomatic definitions apply|diff|list`: sync the definitions of a config file to the hub. */
import { resolve } from 'node:path';
import { DefinitionKind } from '@nexomatic/core';
import { findConfig, loadConfig } from '../node/load-config.js';
import type { NexomaticConfig } from '../config.js';
import { connect, noMorePositionals, parseCommand, positional, printJson, str, wantsJson, type Parsed } from './args.js';
import { formatDiff } from './diff-format.js';
import { UsageError, type CommandIO } from './io.js';
import { startProgress } from './progress.js';
import { table } from './table.js';

/** The help of `nexomatic definitions`. */
export const DEFINITIONS_USAGE = `Usage: nexomatic definitions <command> [options]

  diff [--config FILE] [--prune] [--exit-code]
                   what apply would change: + created, ~ updated (field by field), - removed;
                   with --exit-code, exit 1 when there are changes (for CI)
  apply [--config FILE] [--prune]
                   create and update the config's definitions on the hub (Admin); with --prune,
                   also remove the hub's definitions the config leaves out
  list <kind>      the hub's definitions of a kind: ${DefinitionKind.options.join(', ')}

The config file defaults to nexomatic.config.ts (or .mts, .mjs, .js) in the current directory. It
exports its definitions: export default defineConfig({ sinkTypes, actions, eventTypes, sources, schedules }).
`;

async function config(parsed: Parsed): Promise<{ path: string; definitions: NexomaticConfig }> {
  const given = str(parsed, 'config');
  const path = given ? resolve(given) : findConfig();
  if (!path) throw new UsageError(`no nexomatic.config.ts in ${process.cwd()}: pass --config FILE`);
  return { path, definitions: await loadConfig(path) };
}

/** Runs `nexomatic definitions ...`; resolves with the exit code. */
export async function runDefinitions(argv: readonly string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  const parsed = parseCommand(rest, { config: { type: 'string' }, prune: { type: 'boolean' }, 'exit-code': { type: 'boolean' } });
  if (parsed.values.help || command === undefined) {
    if (parsed.values.help) io.stdout(DEFINITIONS_USAGE);
    else io.stderr(DEFINITIONS_USAGE);
    return parsed.values.help ? 0 : 2;
  }
  const prune = parsed.values.prune === true;
  const json = wantsJson(parsed);
  switch (command) {
    case 'diff': {
      noMorePositionals(parsed, 0);
      const { definitions } = await config(parsed);
      const diff = await connect(parsed, io).definitions.diff(definitions, { prune });
      io.stdout(json ? `${JSON.stringify(diff, null, 2)}\n` : formatDiff(diff));
      return parsed.values['exit-code'] && diff.changed ? 1 : 0;
    }
    case 'apply': {
      noMorePositionals(parsed, 0);
      const progress = startProgress(io, 'apply', 3, !json);
      progress.update(0, 'loading the config');
      const { path, definitions } = await config(parsed);
      const client = connect(parsed, io);
      progress.update(1, 'comparing with the hub');
      const diff = await client.definitions.diff(definitions, { prune });
      progress.update(2, 'applying');
      const summary = await client.definitions.apply(definitions, { prune });
      progress.finish('done');
      if (json) printJson(io, summary);
      else {
        io.stdout(formatDiff(diff));
        const count = (list: readonly string[]) => list.length;
        io.stdout(
          `applied ${path}: ${count(summary.created)} created, ${count(summary.updated)} updated, ${count(summary.removed)} removed, ${count(summary.unchanged)} unchanged\n`,
        );
      }
      return 0;
    }
    case 'list': {
      const raw = positional(parsed, 0, `the kind: nexomatic definitions list <${DefinitionKind.options.join('|')}>`);
      noMorePositionals(parsed, 1);
      const kind = DefinitionKind.safeParse(raw);
      if (!kind.success) throw new UsageError(`kind: must be one of ${DefinitionKind.options.join(', ')} (got "${raw}")`);
      const items = (await connect(parsed, io).definitions.list(kind.data)) as Array<{ name: string; description?: string }>;
      if (json) printJson(io, items);
      else io.stdout(table(['NAME', 'DESCRIPTION'], items.map((d) => [d.name, d.description]), `(no ${kind.data} definitions)`));
      return 0;
    }
    default:
      throw new UsageError(`unknown command "definitions ${command}"\n\n${DEFINITIONS_USAGE}`);
  }
}
