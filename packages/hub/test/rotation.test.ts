import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/index.js';
import { Vault } from '../src/vault/cipher.js';
import { decodeMasterKeys } from '../src/vault/keys.js';
import { newMasterKey, rawSinkOn, startSecretsHub } from './support/secrets-hub.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const dirs: string[] = [];
let open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const thing of open.reverse()) await thing.close();
  open = [];
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nexomatic-rotate-'));
  dirs.push(dir);
  return dir;
}

async function hubOn(dataDir: string, masterKeys: Record<string, string>): Promise<Hub> {
  const hub = await createHub({ dataDir, masterKeys });
  open.push(hub);
  return hub;
}

async function closeAll(): Promise<void> {
  for (const thing of open.splice(0).reverse()) await thing.close();
}

const opener = (keys: Record<string, string>) => new Vault(decodeMasterKeys(keys));

describe('master key rotation', () => {
  it('re-encrypts with the new key; old ciphertexts decrypt until the old key is retired, then only the new key works', async () => {
    const dir = tempDir();
    const k1 = newMasterKey();
    const k2 = newMasterKey();
    const first = await hubOn(dir, { 1: k1 });
    await first.putSecret('API_KEY', 'value-1');
    await first.putSecret('OTHER', 'value-2');
    await closeAll();

    const both = await hubOn(dir, { 1: k1, 2: k2 });
    expect((await both.listSecrets()).map((s) => s.keyVersion)).toEqual([1, 1]);
    const before = (await both.store.secrets.get(both.tenantId, 'API_KEY'))!;
    expect(opener({ 1: k1, 2: k2 }).open(before)).toBe('value-1');
    await both.putSecret('NEW', 'value-3'); // written with the newest key already
    expect(await both.rotateSecrets()).toBe(2);
    expect(await both.rotateSecrets()).toBe(0);
    expect((await both.listSecrets()).map((s) => [s.key, s.keyVersion])).toEqual([
      ['API_KEY', 2],
      ['NEW', 2],
      ['OTHER', 2],
    ]);
    const after = (await both.store.secrets.get(both.tenantId, 'API_KEY'))!;
    expect(after.ciphertext).not.toBe(before.ciphertext);
    expect(after.createdAt).toEqual(before.createdAt);
    await closeAll();

    // The old key is retired: the hub starts with the new one alone and its values decrypt.
    const retired = await hubOn(dir, { 2: k2 });
    const stored = (await retired.store.secrets.get(retired.tenantId, 'OTHER'))!;
    expect(opener({ 2: k2 }).open(stored)).toBe('value-2');
    expect(() => opener({ 1: k1 }).open(stored)).toThrow(/master key version 2, which is not configured/);
    expect(() => opener({ 1: k1 }).open(before)).not.toThrow();
    expect(() => opener({ 2: k2 }).open(before)).toThrow(/version 1, which is not configured/);
  });

  it('a sink resolves a rotated secret from a hub that has only the new key', async () => {
    const dir = tempDir();
    const k1 = newMasterKey();
    const k2 = newMasterKey();
    const old = await hubOn(dir, { 1: k1 });
    await old.putSecret('API_KEY', 'rotated-value');
    await closeAll();
    const rotating = await hubOn(dir, { 1: k1, 2: k2 });
    expect(await rotating.rotateSecrets()).toBe(1);
    await closeAll();

    const test = await startSecretsHub({ 2: k2 }, dir);
    open.push(test);
    const sink = await rawSinkOn(test);
    open.push(sink);
    const event = await test.hub.fire({ eventType: 'held', payload: {} });
    await sink.task();
    expect(await sink.client.sink.resolveSecret.mutate({ sinkId: sink.sinkId, eventId: event.id, attempt: 1, key: 'API_KEY' })).toEqual({ value: 'rotated-value' });
  });

  it('nexomatic-hub rotate-secrets re-encrypts a data dir with the keys from the environment', async () => {
    const dir = tempDir();
    const k1 = newMasterKey();
    const k2 = newMasterKey();
    const hub = await hubOn(dir, { 1: k1 });
    await hub.putSecret('API_KEY', 'cli-value');
    await closeAll();
    const run = (env: Record<string, string>) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', '--conditions=source', CLI, 'rotate-secrets', '--data-dir', dir], {
        env: { ...process.env, NEXOMATIC_MASTER_KEY: '', NEXOMATIC_MASTER_KEYS: '', ...env },
      });
    const { stdout } = await run({ NEXOMATIC_MASTER_KEYS: JSON.stringify({ 1: k1, 2: k2 }) });
    expect(stdout).toMatch(/re-encrypted 1 secret\(s\) with master key version 2/);
    await expect(run({})).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/no master key/) });
    await expect(run({ NEXOMATIC_MASTER_KEY: 'short' })).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/NEXOMATIC_MASTER_KEY: must be 32 bytes/) });
    const after = await hubOn(dir, { 2: k2 });
    expect(await after.listSecrets()).toEqual([expect.objectContaining({ key: 'API_KEY', keyVersion: 2 })]);
  });
});
