/** `nexomatic tokens create|list|revoke` (Admin). */
import { Role } from '@nexomatic/core';
import { connect, noMorePositionals, parseCommand, positional, printJson, str, wantsJson } from './args.js';
import { UsageError, type CommandIO } from './io.js';
import { table } from './table.js';

/** The help of `nexomatic tokens`. */
export const TOKENS_USAGE = `Usage: nexomatic tokens <command> [options]

  create --name NAME --role Admin|Viewer [--expires-at ISO] [--user ID]
                   create an API token; its value is printed once, on stdout
  list             every token of the tenant, revoked and expired ones included (no values)
  revoke <id>      revoke a token at once
`;

/** Runs `nexomatic tokens ...`; resolves with the exit code. */
export async function runTokens(argv: readonly string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  const parsed = parseCommand(rest, { name: { type: 'string' }, role: { type: 'string' }, 'expires-at': { type: 'string' }, user: { type: 'string' } });
  if (parsed.values.help || command === undefined) {
    if (parsed.values.help) io.stdout(TOKENS_USAGE);
    else io.stderr(TOKENS_USAGE);
    return parsed.values.help ? 0 : 2;
  }
  switch (command) {
    case 'create': {
      noMorePositionals(parsed, 0);
      const name = str(parsed, 'name');
      if (!name) throw new UsageError('missing --name: nexomatic tokens create --name NAME --role Admin|Viewer');
      const role = Role.safeParse(str(parsed, 'role'));
      if (!role.success) throw new UsageError(`--role: must be one of ${Role.options.join(', ')}`);
      const expiresAt = str(parsed, 'expires-at');
      const userId = str(parsed, 'user');
      const created = await connect(parsed, io).tokens.create({ name, role: role.data, ...(expiresAt ? { expiresAt } : {}), ...(userId ? { userId } : {}) });
      if (wantsJson(parsed)) printJson(io, created);
      else {
        io.stdout(`${created.token}\n`);
        io.stderr(`token ${created.metadata.id} (${created.metadata.role}) created: the value above is shown this once\n`);
      }
      return 0;
    }
    case 'list': {
      noMorePositionals(parsed, 0);
      const tokens = await connect(parsed, io).tokens.list();
      if (wantsJson(parsed)) printJson(io, tokens);
      else
        io.stdout(
          table(
            ['ID', 'NAME', 'ROLE', 'CREATED', 'EXPIRES', 'REVOKED'],
            tokens.map((t) => [t.id, t.name, t.role, t.createdAt, t.expiresAt, t.revokedAt]),
            '(no tokens)',
          ),
        );
      return 0;
    }
    case 'revoke': {
      const id = positional(parsed, 0, 'the token id: nexomatic tokens revoke <id>');
      noMorePositionals(parsed, 1);
      const revoked = await connect(parsed, io).tokens.revoke(id);
      if (wantsJson(parsed)) printJson(io, revoked);
      else io.stdout(`token ${id} revoked\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "tokens ${command}"\n\n${TOKENS_USAGE}`);
  }
}
