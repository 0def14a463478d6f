import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretMask, maskReport } from '@nexomatic/core';
import { createHub } from '../src/index.js';
import { Vault } from '../src/vault/cipher.js';
import { decodeMasterKeys, masterKeysFromEnv } from '../src/vault/keys.js';

const key = () => randomBytes(32).toString('base64');
const vaultOf = (keys: Record<string, string>) => new Vault(decodeMasterKeys(keys));

/** Flips one bit of the decoded ciphertext at `index` (negative counts from the end). */
function flip(ciphertext: string, index: number): string {
  const raw = Buffer.from(ciphertext, 'base64');
  const at = index < 0 ? raw.length + index : index;
  raw[at] = raw[at]! ^ 0x01;
  return raw.toString('base64');
}

describe('the vault', () => {
  it('round-trips a value with the newest key, a fresh nonce each time, and the version as the first byte', () => {
    const vault = vaultOf({ 1: key(), 3: key(), 2: key() });
    const sealed = vault.seal('tenant-a', 'API_KEY', 'hunter2 ✓');
    expect(sealed.keyVersion).toBe(3);
    expect(Buffer.from(sealed.ciphertext, 'base64')[0]).toBe(3);
    expect(sealed.ciphertext).not.toContain('hunter2');
    expect(vault.open({ tenantId: 'tenant-a', key: 'API_KEY', ciphertext: sealed.ciphertext })).toBe('hunter2 ✓');
    expect(vault.seal('tenant-a', 'API_KEY', 'hunter2 ✓').ciphertext).not.toBe(sealed.ciphertext);
  });

  it('refuses a tampered ciphertext: nonce, body or tag', () => {
    const vault = vaultOf({ 1: key() });
    const { ciphertext } = vault.seal('t', 'K', 'value');
    for (const index of [1, 13, -1]) {
      expect(() => vault.open({ tenantId: 't', key: 'K', ciphertext: flip(ciphertext, index) })).toThrow(/could not be decrypted/);
    }
    expect(() => vault.open({ tenantId: 't', key: 'K', ciphertext: 'AQID' })).toThrow(/could not be decrypted/);
  });

  it('binds a ciphertext to its tenant and key (associated data), length-prefixed', () => {
    const vault = vaultOf({ 1: key() });
    const { ciphertext } = vault.seal('tenant-a', 'API_KEY', 'value');
    expect(() => vault.open({ tenantId: 'tenant-b', key: 'API_KEY', ciphertext })).toThrow(/another tenant or key/);
    expect(() => vault.open({ tenantId: 'tenant-a', key: 'OTHER', ciphertext })).toThrow(/another tenant or key/);
    const split = vault.seal('ab', 'c', 'value').ciphertext;
    expect(() => vault.open({ tenantId: 'a', key: 'bc', ciphertext: split })).toThrow(/could not be decrypted/);
  });

  it('names a key version that is not configured, and encrypting with no key says how to configure one', () => {
    const old = vaultOf({ 1: key() }).seal('t', 'K', 'value');
    expect(() => vaultOf({ 2: key() }).open({ tenantId: 't', key: 'K', ciphertext: old.ciphertext })).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringMatching(/master key version 1, which is not configured/) }),
    );
    // Changing the version byte does not help: it selects another key, and is authenticated too.
    const twoKeys = vaultOf({ 1: key(), 2: key() });
    const sealed = twoKeys.seal('t', 'K', 'value');
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    raw[0] = 1;
    expect(() => twoKeys.open({ tenantId: 't', key: 'K', ciphertext: raw.toString('base64') })).toThrow(/could not be decrypted/);
    expect(() => new Vault(new Map()).seal('t', 'K', 'v')).toThrow(expect.objectContaining({ code: 'VALIDATION', message: expect.stringMatching(/NEXOMATIC_MASTER_KEY/) }));
  });

  it('rejects keys that are not 32 bytes of base64, naming the option or variable and never the key', async () => {
    const short = randomBytes(16).toString('base64');
    await expect(createHub({ dataDir: mkdtempSync(join(tmpdir(), 'nexomatic-vault-')), masterKeys: { 1: short } })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/masterKeys\.1: must be 32 bytes/),
    });
    await expect(createHub({ masterKeys: { 0: key() } })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/masterKeys/) });
    expect(() => masterKeysFromEnv({ NEXOMATIC_MASTER_KEY: short })).toThrow(/NEXOMATIC_MASTER_KEY: must be 32 bytes/);
    expect(() => masterKeysFromEnv({ NEXOMATIC_MASTER_KEY: short })).not.toThrow(new RegExp(short.replace(/[+/=]/g, '.')));
    expect(() => masterKeysFromEnv({ NEXOMATIC_MASTER_KEYS: '{"2":"nope"}' })).toThrow(/NEXOMATIC_MASTER_KEYS\.2/);
    expect(() => masterKeysFromEnv({ NEXOMATIC_MASTER_KEYS: 'not json' })).toThrow(/NEXOMATIC_MASTER_KEYS: must be JSON/);
    const good = key();
    expect(masterKeysFromEnv({ NEXOMATIC_MASTER_KEY: good }).get(1)?.toString('base64')).toBe(good);
    expect([...masterKeysFromEnv({ NEXOMATIC_MASTER_KEYS: JSON.stringify({ 1: key(), 2: good }) }).keys()]).toEqual([1, 2]);
  });

  it('a hub whose store holds secrets refuses to start without a master key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexomatic-vault-'));
    try {
      const masterKeys = { 1: key() };
      const hub = await createHub({ dataDir: dir, masterKeys });
      await expect(createHub({ dataDir: join(dir, 'other') }).then((h) => h.putSecret('K', 'v').finally(() => h.close()))).rejects.toMatchObject({
        code: 'VALIDATION',
        message: expect.stringMatching(/no master key is configured/),
      });
      await hub.putSecret('API_KEY', 'value');
      await hub.close();
      await expect(createHub({ dataDir: dir })).rejects.toMatchObject({
        code: 'VALIDATION',
        message: expect.stringMatching(/holds 1 encrypted secret\(s\) but no master key is configured.*NEXOMATIC_MASTER_KEY/),
      });
      const again = await createHub({ dataDir: dir, masterKeys });
      expect((await again.listSecrets()).map((s) => s.key)).toEqual(['API_KEY']);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('masking', () => {
  it('masks longest values first, JSON-escaped forms too, and ignores empty values', () => {
    const mask = new SecretMask(['abc', 'abcdef', '', 'qu"ote']);
    expect(mask.text('x abcdef y abc z')).toBe('x *** y *** z');
    expect(mask.text(JSON.stringify({ v: 'qu"ote' }))).toBe('{"v":"***"}');
    expect(mask.json({ abc: ['abcdef', 1, null, { deep: 'pre-abc-post' }] })).toEqual({ '***': ['***', 1, null, { deep: 'pre-***-post' }] });
    const report = maskReport(
      { kind: 'result' as const, eventId: 'e', attempt: 1, outcome: 'ERROR' as const, result: null, error: { code: 'X', message: 'failed: abc', details: { stack: 'abc at' } }, warnings: ['w abc'] },
      mask,
    );
    expect(report).toEqual({ kind: 'result', eventId: 'e', attempt: 1, outcome: 'ERROR', result: null, error: { code: 'X', message: 'failed: ***', details: { stack: '*** at' } }, warnings: ['w ***'] });
    expect(new SecretMask(['']).text('anything')).toBe('anything');
  });
});
