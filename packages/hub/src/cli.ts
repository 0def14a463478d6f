#!/usr/bin/env node
/**
 * `nexomatic-hub <command>`: maintenance commands for a hub's embedded store.
 *
 * - `rotate-secrets --data-dir <dir>`: re-encrypts every secret with the newest master key. Keys come
 *   from `NEXOMATIC_MASTER_KEYS` (JSON `{ "version": "base64 key" }`) or `NEXOMATIC_MASTER_KEY`
 *   (version 1). Run it with the old and the new key configured; then retire the old one.
 *
 * Exit codes: 0 done, 1 failed, 2 bad usage or settings.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isNexomaticError } from '@nexomatic/core';
import { sqliteStore } from './store/sqlite/index.js';
import { Vault } from './vault/cipher.js';
import { masterKeysFromEnv } from './vault/keys.js';
import { rotateSecrets } from './vault/secrets.js';

const USAGE = `Usage: nexomatic-hub rotate-secrets --data-dir <dir>

Commands:
  rotate-secrets   re-encrypt every secret with the newest master key

Options:
  --data-dir <dir>   the hub's dataDir (its store is <dir>/hub.db); default ./.nexomatic
  -h, --help         this help

Environment:
  NEXOMATIC_MASTER_KEYS   JSON { "1": "<old base64 key>", "2": "<new base64 key>" }
  NEXOMATIC_MASTER_KEY    a single key (version 1)
`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command] = parsed.positionals;
  if (parsed.values.help || command === undefined) {
    process.stdout.write(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  if (command !== 'rotate-secrets') {
    process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  let vault: Vault;
  try {
    vault = new Vault(masterKeysFromEnv(process.env));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (!vault.configured) {
    process.stderr.write('no master key: set NEXOMATIC_MASTER_KEYS or NEXOMATIC_MASTER_KEY\n');
    return 2;
  }
  const store = await sqliteStore({ path: join(parsed.values['data-dir'] ?? './.nexomatic', 'hub.db') });
  try {
    const count = await rotateSecrets(store, vault);
    process.stdout.write(`re-encrypted ${count} secret(s) with master key version ${vault.currentVersion}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`rotation failed: ${isNexomaticError(error) ? `${error.code}: ${error.message}` : String(error)}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
