/**
 * The `nexomatic` CLI as a real subprocess against a real hub on port 0: definitions diff / apply /
 * prune from a TypeScript and a JavaScript config file, events, secrets (values from stdin only,
 * never argv), tokens, sinks, `--json`, the progress bar (TTY only) and exit codes.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DefinitionsDiff } from '../src/index.js';
import { createClient } from '../src/index.js';
import { Vault } from '../../hub/src/vault/cipher.js';
import { startClientTestHub, waitFor, type ClientTestHub } from './support/hub.js';
import { CLI_COMMAND, runCli, spawnCli } from './support/run-cli.js';

const CONFIG = 'packages/client/test/fixtures/nexomatic.config.ts';
const PRUNED = 'packages/client/test/fixtures/pruned.config.mjs';

let test: ClientTestHub;
let env: Record<string, string>;
let client: ReturnType<typeof createClient>;

beforeAll(async () => {
  test = await startClientTestHub({ sinkTypes: [{ name: 'TEST:NODE', runtimes: ['node'] }] });
  env = { NEXOMATIC_URL: test.url, NEXOMATIC_TOKEN: test.admin };
  client = createClient({ url: test.url, token: test.admin });
});
afterAll(async () => {
  await test?.close();
});

/** True when util-linux `script` exists, to run the CLI on a pseudo-terminal. */
function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const names = async (kind: 'eventType' | 'schedule') => ((await client.definitions.list(kind)) as Array<{ name: string }>).map((d) => d.name).sort();

describe('nexomatic definitions', () => {
  it('diffs a TypeScript config, applies it, and then finds nothing to change', async () => {
    const diff = await runCli(['definitions', 'diff', '--config', CONFIG, '--exit-code'], env);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toContain('Event Types\n  + orders.placed\n  + orders.shipped\n  + plain\n  + drip');
    expect(diff.stdout).toContain('Schedules\n  + nightly');
    expect(await names('eventType')).toEqual([]);

    const apply = await runCli(['definitions', 'apply', '--config', CONFIG], env);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/applied .*nexomatic\.config\.ts: 7 created, 0 updated, 0 removed, 1 unchanged/);
    // stderr is a pipe here: no progress bar is drawn.
    expect(apply.stderr).toBe('');
    expect(await names('eventType')).toEqual(['drip', 'orders.placed', 'orders.shipped', 'plain']);

    const again = await runCli(['definitions', 'diff', '--config', CONFIG, '--json', '--exit-code'], env);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as DefinitionsDiff).changed).toBe(false);
  });

  it('shows updates by field; removes what a config leaves out only with --prune', async () => {
    const diff = await runCli(['definitions', 'diff', '--config', PRUNED], env);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('  ~ plain\n      timeoutMs: 600000 -> 45000');
    expect(diff.stdout).toMatch(/on the hub but not in the config \(kept; --prune removes them\): .*eventType orders\.shipped/);

    const plain = await runCli(['definitions', 'apply', '--config', PRUNED, '--json'], env);
    expect(JSON.parse(plain.stdout)).toMatchObject({ updated: ['eventType:plain'], removed: [] });
    expect(await names('eventType')).toEqual(['drip', 'orders.placed', 'orders.shipped', 'plain']);

    const pruneDiff = await runCli(['definitions', 'diff', '--config', PRUNED, '--prune'], env);
    expect(pruneDiff.stdout).toContain('  - orders.shipped');
    const pruned = await runCli(['definitions', 'apply', '--config', PRUNED, '--prune', '--json'], env);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect((JSON.parse(pruned.stdout) as { removed: string[] }).removed.sort()).toEqual([
      'action:drip',
      'eventType:drip',
      'eventType:orders.shipped',
      'schedule:nightly',
    ]);
    expect(await names('eventType')).toEqual(['orders.placed', 'plain']);
    expect(await names('schedule')).toEqual([]);
  });

  it('names the problem of a bad config and exits non-zero', async () => {
    const missing = await runCli(['definitions', 'apply', '--config', 'no/such/nexomatic.config.ts'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
    const noConfig = await runCli(['definitions', 'diff'], env);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain('no nexomatic.config.ts in');
  });
});

describe('nexomatic events', () => {
  it('fires (checked against the config with --config), lists, shows, cancels and re-runs', async () => {
    const bad = await runCli(['events', 'fire', 'orders.placed', '--payload', '{"orderId":"A","total":"x"}', '--config', CONFIG], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid payload of orders.placed: total:');

    const fired = await runCli(['events', 'fire', 'plain', '--payload', '{"from":"cli"}', '--json'], env);
    expect(fired.code, fired.stderr).toBe(0);
    const event = JSON.parse(fired.stdout) as { id: string; state: string; payload: unknown };
    expect(event).toMatchObject({ state: 'QUEUED', payload: { from: 'cli' } });

    const list = await runCli(['events', 'list', '--event-type', 'plain'], env);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+EVENT TYPE\s+STATE\s+ATTEMPT\s+CREATED\s+ERROR$/);
    expect(list.stdout).toContain(event.id);

    // No sink serves TEST:NODE in this test: the event stays QUEUED, so it can be cancelled.
    const cancel = await runCli(['events', 'cancel', event.id], env);
    expect(cancel.stdout).toContain(`cancelled ${event.id}: ERROR CANCELLED`);
    const again = await runCli(['events', 'cancel', event.id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^nexomatic: CONFLICT: /);
    const rerun = await runCli(['events', 'rerun', event.id, '--json'], env);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ rerunOf: event.id, state: 'QUEUED' });

    const show = await runCli(['events', 'show', event.id], env);
    expect(show.stdout).toMatch(/state:\s+ERROR/);
    expect(show.stdout).toMatch(/error:\s+CANCELLED: /);
    expect(show.stdout).toContain('"from": "cli"');
    const absent = await runCli(['events', 'show', randomUUID()], env);
    expect(absent.code).toBe(4);
  });

  it('fires a JSON lines file in batches; --key-prefix makes a re-run fire nothing twice', async () => {
    const file = join(test.dir, 'events.jsonl');
    const marker = randomUUID();
    writeFileSync(file, `${[1, 2, 3, 4, 5].map((n) => JSON.stringify({ marker, n })).join('\n')}\n\n`);
    for (let run = 0; run < 2; run++) {
      const fired = await runCli(['events', 'fire', '--file', file, 'plain', '--batch-size', '2', '--key-prefix', marker, '--json'], env);
      expect(fired.code, fired.stderr).toBe(0);
      expect(JSON.parse(fired.stdout)).toMatchObject({ fired: 5 });
    }
    const page = await client.events.list({ eventType: 'plain', limit: 100 });
    expect(page.items.filter((e) => e.payload.marker === marker)).toHaveLength(5);

    writeFileSync(file, '{"eventType":"plain","payload":{}}\n{"eventType":"plain","payload":[1]}\n');
    const badLine = await runCli(['events', 'fire', '--file', file], env);
    expect(badLine.code).toBe(2);
    expect(badLine.stderr).toContain(`${file}:2: payload: `);
  });

  it('draws a progress bar for a bulk fire on a terminal only', async (ctx) => {
    if (!hasScript()) return ctx.skip('util-linux `script` (for a pseudo-terminal) is not installed');
    const file = join(test.dir, 'bulk.jsonl');
    writeFileSync(file, Array.from({ length: 6 }, (_, n) => JSON.stringify({ n })).join('\n'));
    const command = `${CLI_COMMAND} events fire --file ${file} plain --batch-size 2`;
    // Asynchronously: the hub answering the CLI runs in this process.
    const { stdout: tty } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], {
      cwd: join(import.meta.dirname, '../../..'),
      env: { ...process.env, ...env },
    });
    expect(tty).toContain('firing [##########....................] 2/6');
    expect(tty).toContain('firing [##############################] 6/6');
    expect(tty).toContain('fired 6 events');
  });

  it('follows new events with `events tail` until interrupted', async () => {
    const tail = spawnCli(['events', 'tail', '--interval', '100', '--json'], env);
    await waitFor('the tail to start', () => tail.out.stderr.includes('following events') || undefined, 20_000);
    const fired = await client.fire('plain', { tailed: true });
    await waitFor('the tail to print the event', () => tail.out.stdout.includes(fired.id) || undefined, 20_000);
    tail.child.kill('SIGINT');
    expect(await tail.exit).toBe(0);
    const line = tail.out.stdout.split('\n').find((l) => l.includes(fired.id))!;
    expect(JSON.parse(line)).toMatchObject({ id: fired.id, state: 'QUEUED' });
  });
});

describe('nexomatic secrets', () => {
  it('reads the value from stdin, stores it exactly, and never shows it', async () => {
    const value = `v-${randomUUID()}`;
    const set = await runCli(['secrets', 'set', 'CLI_KEY'], env, `${value}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('secret CLI_KEY saved (key version 1)\n');
    const stored = await test.hub.store.secrets.get(test.hub.tenantId, 'CLI_KEY');
    expect(new Vault(new Map([[1, Buffer.from(test.masterKey, 'base64')]])).open(stored!)).toBe(value);
    const list = await runCli(['secrets', 'list', '--json'], env);
    expect((JSON.parse(list.stdout) as Array<{ key: string }>).map((s) => s.key)).toContain('CLI_KEY');
    expect(list.stdout + set.stdout + set.stderr).not.toContain(value);
    const del = await runCli(['secrets', 'delete', 'CLI_KEY'], env);
    expect(del.code).toBe(0);
    expect((await runCli(['secrets', 'delete', 'CLI_KEY'], env)).code).toBe(4);
  });

  it('asks for the value at a terminal prompt that echoes nothing', async (ctx) => {
    if (!hasScript()) return ctx.skip('util-linux `script` (for a pseudo-terminal) is not installed');
    const value = `typed-${randomUUID()}`;
    const tty = spawn('script', ['-qec', `${CLI_COMMAND} secrets set TTY_KEY`, '/dev/null'], {
      cwd: join(import.meta.dirname, '../../..'),
      env: { ...process.env, ...env },
    });
    let screen = '';
    tty.stdout.on('data', (chunk: Buffer) => (screen += chunk));
    const exit = new Promise<number | null>((resolve) => tty.on('close', (code) => resolve(code)));
    await waitFor('the prompt', () => screen.includes('value of secret TTY_KEY (not shown): ') || undefined, 20_000);
    tty.stdin.write(`${value}\r`);
    expect(await exit).toBe(0);
    expect(screen).toContain('secret TTY_KEY saved');
    expect(screen).not.toContain(value);
    const stored = await test.hub.store.secrets.get(test.hub.tenantId, 'TTY_KEY');
    expect(new Vault(new Map([[1, Buffer.from(test.masterKey, 'base64')]])).open(stored!)).toBe(value);
  });

  it('never takes a value from argv: --value, --value=, or a second argument is refused before anything is stored', async () => {
    for (const args of [
      ['secrets', 'set', 'ARGV_KEY', '--value', 'leaked'],
      ['secrets', 'set', 'ARGV_KEY', '--value=leaked'],
      ['secrets', 'set', 'ARGV_KEY', 'leaked'],
    ]) {
      const refused = await runCli(args, env, 'from-stdin');
      expect(refused.code, args.join(' ')).toBe(2);
      expect(refused.stderr).toContain('never read from the command line');
    }
    const empty = await runCli(['secrets', 'set', 'ARGV_KEY'], env, '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('is empty');
    expect((await client.secrets.list()).map((s) => s.key)).not.toContain('ARGV_KEY');
  });
});

describe('nexomatic tokens, sinks, and errors', () => {
  it('creates a token (printed once), lists it, and revokes it', async () => {
    const created = await runCli(['tokens', 'create', '--name', 'cli-made', '--role', 'Viewer'], env);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^nxm_/);
    expect(created.stderr).toContain('shown this once');
    const viewer = await runCli(['events', 'list', '--json'], { NEXOMATIC_URL: test.url, NEXOMATIC_TOKEN: token });
    expect(viewer.code).toBe(0);
    const forbidden = await runCli(['events', 'fire', 'plain', '--url', test.url, '--token', token], {});
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain('FORBIDDEN');

    const list = await runCli(['tokens', 'list', '--json'], env);
    const id = (JSON.parse(list.stdout) as Array<{ id: string; name: string }>).find((t) => t.name === 'cli-made')!.id;
    expect(list.stdout).not.toContain(token);
    expect((await runCli(['tokens', 'revoke', id], env)).stdout).toBe(`token ${id} revoked\n`);
    const refused = await runCli(['events', 'list'], { NEXOMATIC_URL: test.url, NEXOMATIC_TOKEN: token });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('UNAUTHENTICATED');
  });

  it('lists sinks and checks control signals', async () => {
    const list = await runCli(['sinks', 'list'], env);
    expect(list).toMatchObject({ code: 0, stdout: '(no sinks)\n' });
    expect((await runCli(['sinks', 'control', randomUUID(), 'RESET'], env)).code).toBe(4);
    const bogus = await runCli(['sinks', 'control', randomUUID(), 'EXPLODE'], env);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('signal: must be one of RESET, KILL, FORCE_KILL');
  });

  it('exits 2 naming a missing setting, 5 when the hub is unreachable, 2 for an unknown command', async () => {
    const noUrl = await runCli(['events', 'list'], { NEXOMATIC_TOKEN: test.admin });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('set NEXOMATIC_URL or pass --url');
    const noToken = await runCli(['events', 'list', '--url', test.url], {});
    expect(noToken.stderr).toContain('set NEXOMATIC_TOKEN or pass --token');
    const closed = await runCli(['events', 'list'], { NEXOMATIC_URL: 'http://127.0.0.1:1', NEXOMATIC_TOKEN: test.admin });
    expect(closed.code).toBe(5);
    expect(closed.stderr).toContain('hub unreachable');
    const unknown = await runCli(['events', 'explode'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "events explode"');
  });
});
