/** `nexomatic secrets set|list|delete`. Values are write-only: read from stdin or a hidden prompt, never shown. */
import { connect, noMorePositionals, parseCommand, positional, printJson, wantsJson } from './args.js';
import { UsageError, type CommandIO } from './io.js';
import { readSecretValue } from './secret-input.js';
import { table } from './table.js';

/** The help of `nexomatic secrets`. */
export const SECRETS_USAGE = `Usage: nexomatic secrets <command> [options]

  set <key>        create or replace a Secret (Admin). The value is read from stdin when it is
                   piped (printf %s "$VALUE" | nexomatic secrets set KEY), else typed at a prompt
                   that shows nothing. Never from the command line: --value is refused.
  list             the tenant's Secrets: key, key version, times (never a value)
  delete <key>     delete a Secret (Admin)
`;

const NO_ARGV_VALUES =
  'secret values are never read from the command line (shell history and ps would keep them): pipe the value on stdin or type it at the prompt';

/** Runs `nexomatic secrets ...`; resolves with the exit code. */
export async function runSecrets(argv: readonly string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  // `--value` is known only to be refused with a reason, before anything else is read.
  if (rest.some((arg) => arg === '--value' || arg.startsWith('--value='))) throw new UsageError(`--value: ${NO_ARGV_VALUES}`);
  const parsed = parseCommand(rest);
  if (parsed.values.help || command === undefined) {
    if (parsed.values.help) io.stdout(SECRETS_USAGE);
    else io.stderr(SECRETS_USAGE);
    return parsed.values.help ? 0 : 2;
  }
  switch (command) {
    case 'set': {
      const key = positional(parsed, 0, 'the secret key: nexomatic secrets set <key>');
      if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument after the key: ${NO_ARGV_VALUES}`);
      const client = connect(parsed, io);
      const value = await readSecretValue(io, key);
      const metadata = await client.secrets.put(key, value);
      if (wantsJson(parsed)) printJson(io, metadata);
      else io.stdout(`secret ${metadata.key} saved (key version ${metadata.keyVersion})\n`);
      return 0;
    }
    case 'list': {
      noMorePositionals(parsed, 0);
      const secrets = await connect(parsed, io).secrets.list();
      if (wantsJson(parsed)) printJson(io, secrets);
      else io.stdout(table(['KEY', 'KEY VERSION', 'CREATED', 'UPDATED'], secrets.map((s) => [s.key, s.keyVersion, s.createdAt, s.updatedAt]), '(no secrets)'));
      return 0;
    }
    case 'delete': {
      const key = positional(parsed, 0, 'the secret key: nexomatic secrets delete <key>');
      noMorePositionals(parsed, 1);
      await connect(parsed, io).secrets.delete(key);
      if (wantsJson(parsed)) printJson(io, { key, deleted: true });
      else io.stdout(`secret ${key} deleted\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "secrets ${command}"\n\n${SECRETS_USAGE}`);
  }
}
