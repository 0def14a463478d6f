#!/usr/bin/env node
/**
 * `nexomatic`: script a hub from a terminal. `events`, `sinks`, `secrets`, `definitions`, `tokens`,
 * `sources`, `schedules`;
 * the connection comes from `--url` / `--token` or `NEXOMATIC_URL` / `NEXOMATIC_TOKEN`.
 *
 * Exit codes: 0 done; 1 the hub refused or the operation failed (or `events fire --wait` ended
 * `ERROR`, or `definitions diff --exit-code` found changes); 2 a usage mistake or invalid input
 * (a missing or invalid argument, a `VALIDATION` error naming the field); 3 the hub refused the token
 * (`UNAUTHENTICATED`) or its role (`FORBIDDEN`); 4 not found; 5 the hub could not be reached;
 * 130 interrupted at a prompt.
 */
import { isNexomaticError } from '@nexomatic/core';
import { isUnreachable } from './errors.js';
import { GLOBAL_USAGE, closeClients } from './cli/args.js';
import { runDefinitions } from './cli/definitions.js';
import { runEvents } from './cli/events.js';
import { UsageError, processIO, type CommandIO } from './cli/io.js';
import { runSchedules } from './cli/schedules.js';
import { runSecrets } from './cli/secrets.js';
import { PromptAborted } from './cli/secret-input.js';
import { runSinks } from './cli/sinks.js';
import { runSources } from './cli/sources.js';
import { runTokens } from './cli/tokens.js';

const USAGE = `Usage: nexomatic <group> <command> [options]

  events        list | show | tail | fire | rerun | cancel
  sinks         list | control
  secrets       set | list | delete
  definitions   diff | apply | list
  tokens        create | list | revoke
  sources       list
  schedules     list | preview

Run nexomatic <group> --help for a group's commands.

${GLOBAL_USAGE}
Exit codes: 0 done, 1 failed, 2 usage mistake or invalid input, 3 token or role refused,
4 not found, 5 hub unreachable, 130 interrupted.
`;

const GROUPS: Record<string, (argv: readonly string[], io: CommandIO) => Promise<number>> = {
  events: runEvents,
  sinks: runSinks,
  secrets: runSecrets,
  definitions: runDefinitions,
  tokens: runTokens,
  sources: runSources,
  schedules: runSchedules,
};

/** The exit code of a failure, after writing it on stderr. */
function failed(io: CommandIO, error: unknown): number {
  if (error instanceof UsageError) {
    io.stderr(`nexomatic: ${error.message}\n`);
    return 2;
  }
  if (error instanceof PromptAborted) {
    io.stderr('nexomatic: interrupted\n');
    return 130;
  }
  if (isNexomaticError(error)) {
    io.stderr(`nexomatic: ${error.code}: ${error.message}\n`);
    if (isUnreachable(error)) return 5;
    if (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN') return 3;
    if (error.code === 'NOT_FOUND') return 4;
    if (error.code === 'VALIDATION') return 2;
    return 1;
  }
  io.stderr(`nexomatic: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}

/** Runs the CLI with `argv` (without `node` and the script); resolves with the exit code. */
async function main(argv: readonly string[], io: CommandIO = processIO()): Promise<number> {
  const [group, ...rest] = argv;
  if (group === undefined || group === '--help' || group === '-h' || group === 'help') {
    io.stdout(USAGE);
    return group === undefined ? 2 : 0;
  }
  const run = GROUPS[group];
  if (!run) {
    io.stderr(`nexomatic: unknown command "${group}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (error) {
    return failed(io, error);
  } finally {
    await closeClients();
  }
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
