/**
 * The CLI's arguments: the flags every command shares (`--url`, `--token`, `--json`, `--help`), each
 * command's own, and the connection to the hub (flags over `NEXOMATIC_URL` / `NEXOMATIC_TOKEN`).
 * Problems throw a {@link UsageError} naming the flag and the variable.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createClient, type NodeClient } from '../node.js';
import { UsageError, type CommandIO } from './io.js';

/** A flag of a command, as `parseArgs` takes it. */
export type Flag = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

/** The flags every command takes. */
export const GLOBAL_FLAGS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, Flag>;

/** The connection flags in the help texts. */
export const GLOBAL_USAGE = `Connection (every command):
  --url <url>      NEXOMATIC_URL    the hub's base URL, e.g. http://127.0.0.1:4000
  --token <token>  NEXOMATIC_TOKEN  an API token (nxm_...); prefer the variable, argv is visible to ps
Output:
  --json           machine-readable JSON on stdout (one document, or JSON lines for tails)
  -h, --help       help of the command
`;

/** What a command's arguments parse to. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses a command's arguments with the global flags and its own; unknown flags are a usage error. */
export function parseCommand(argv: readonly string[], flags: Record<string, Flag> = {}): Parsed {
  try {
    const parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { ...GLOBAL_FLAGS, ...flags } });
    return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A string flag's value, or undefined. */
export function str(parsed: Parsed, flag: string): string | undefined {
  const value = parsed.values[flag];
  return typeof value === 'string' ? value : undefined;
}

/** An integer flag's value (checked), or undefined. */
export function int(parsed: Parsed, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = str(parsed, flag);
  if (raw === undefined) return undefined;
  const checked = z.coerce.number().int().min(min).max(max).safeParse(raw);
  if (!checked.success) throw new UsageError(`--${flag}: ${checked.error.issues[0]?.message ?? 'not an integer'} (got "${raw}")`);
  return checked.data;
}

/** The positional at `index`, or a usage error naming what it is. */
export function positional(parsed: Parsed, index: number, what: string): string {
  const value = parsed.positionals[index];
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

/** Refuses positionals beyond `count`. */
export function noMorePositionals(parsed: Parsed, count: number): void {
  const extra = parsed.positionals.slice(count);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra.join(' ')}"`);
}

const Connection = z.object({
  url: z.url({ message: 'must be a URL like http://127.0.0.1:4000' }),
  token: z.string().min(1),
});

/** The clients {@link connect} made, closed by {@link closeClients} when the command is done. */
const opened = new Set<NodeClient<object>>();

/** Closes the connection pools of every client the command made. */
export async function closeClients(): Promise<void> {
  const clients = [...opened];
  opened.clear();
  await Promise.all(clients.map((c) => c.close()));
}

/** A client of the hub named by `--url` / `--token` over `NEXOMATIC_URL` / `NEXOMATIC_TOKEN`. */
export function connect(parsed: Parsed, io: CommandIO): NodeClient<object> {
  const url = str(parsed, 'url') ?? io.env.NEXOMATIC_URL;
  const token = str(parsed, 'token') ?? io.env.NEXOMATIC_TOKEN;
  if (!url) throw new UsageError('missing the hub URL: set NEXOMATIC_URL or pass --url');
  if (!token) throw new UsageError('missing an API token: set NEXOMATIC_TOKEN or pass --token');
  const checked = Connection.safeParse({ url, token });
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const name = issue.path[0] === 'url' ? 'NEXOMATIC_URL (--url)' : 'NEXOMATIC_TOKEN (--token)';
    throw new UsageError(`${name}: ${issue.message}`);
  }
  const client = createClient(checked.data);
  opened.add(client);
  return client;
}

/** True when `--json` was given. */
export function wantsJson(parsed: Parsed): boolean {
  return parsed.values.json === true;
}

/** Writes `value` as indented JSON on stdout. */
export function printJson(io: CommandIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
