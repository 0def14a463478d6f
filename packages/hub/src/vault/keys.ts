import { NexomaticError } from '@nexomatic/core';
import { z } from 'zod';

/** Bytes of an AES-256 master key. */
export const MASTER_KEY_BYTES = 32;
/** Highest master-key version: the version is one byte of every ciphertext. */
export const MAX_KEY_VERSION = 255;

/** Master keys by version; the highest version encrypts. */
export type MasterKeys = ReadonlyMap<number, Buffer>;

/** Why a text is not a base64 32-byte key, or null when it is one. */
export function masterKeyProblem(text: unknown): string | null {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]{43}=?$/.test(text)) return 'must be 32 bytes, base64-encoded (44 characters)';
  return Buffer.from(text, 'base64').length === MASTER_KEY_BYTES ? null : 'must be 32 bytes, base64-encoded';
}

/** The `masterKeys` option: `{ [version]: base64 32-byte key }`. */
export const MasterKeysInput = z
  .record(z.string().regex(/^[1-9]\d{0,2}$/, 'key versions are integers from 1 to 255'), z.string())
  .superRefine((keys, ctx) => {
    for (const [version, key] of Object.entries(keys)) {
      if (Number(version) > MAX_KEY_VERSION) ctx.addIssue({ code: 'custom', path: [version], message: `key versions are integers from 1 to ${MAX_KEY_VERSION}` });
      const problem = masterKeyProblem(key);
      if (problem) ctx.addIssue({ code: 'custom', path: [version], message: problem });
    }
  });

function invalid(name: string, problem: string): NexomaticError {
  return new NexomaticError('VALIDATION', `${name}: ${problem}`, { details: { fields: [name] } });
}

/** Decodes validated `{ version: base64 }` keys; a bad entry is a `VALIDATION` error naming `name.version`. */
export function decodeMasterKeys(keys: Readonly<Record<string, string>>, name = 'masterKeys'): MasterKeys {
  const out = new Map<number, Buffer>();
  for (const [version, text] of Object.entries(keys)) {
    const n = Number(version);
    if (!Number.isInteger(n) || n < 1 || n > MAX_KEY_VERSION) throw invalid(`${name}.${version}`, `key versions are integers from 1 to ${MAX_KEY_VERSION}`);
    const problem = masterKeyProblem(text);
    if (problem) throw invalid(`${name}.${version}`, problem);
    out.set(n, Buffer.from(text, 'base64'));
  }
  return out;
}

/**
 * The master keys from the environment: `NEXOMATIC_MASTER_KEYS` (JSON `{ "version": "base64" }`),
 * else `NEXOMATIC_MASTER_KEY` (version 1), else none. Invalid values are `VALIDATION` errors naming
 * the variable; a value is never part of a message.
 */
export function masterKeysFromEnv(env: NodeJS.ProcessEnv = process.env): MasterKeys {
  const many = env.NEXOMATIC_MASTER_KEYS;
  if (many !== undefined && many !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(many);
    } catch {
      throw invalid('NEXOMATIC_MASTER_KEYS', 'must be JSON: { "version": "base64 key" }');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
      throw invalid('NEXOMATIC_MASTER_KEYS', 'must be JSON: { "version": "base64 key" }');
    }
    return decodeMasterKeys(parsed as Record<string, string>, 'NEXOMATIC_MASTER_KEYS');
  }
  const one = env.NEXOMATIC_MASTER_KEY;
  if (one === undefined || one === '') return new Map();
  const problem = masterKeyProblem(one);
  if (problem) throw invalid('NEXOMATIC_MASTER_KEY', problem);
  return new Map([[1, Buffer.from(one, 'base64')]]);
}

/** The master keys a hub uses: its `masterKeys` option when given, else the environment's. */
export function resolveMasterKeys(option: Readonly<Record<string, string>> | undefined, env: NodeJS.ProcessEnv = process.env): MasterKeys {
  return option === undefined ? masterKeysFromEnv(env) : decodeMasterKeys(option);
}
