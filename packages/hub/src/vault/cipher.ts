import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { NexomaticError } from '@nexomatic/core';
import type { StoredSecret } from '../store/port.js';
import type { MasterKeys } from './keys.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

/** A sealed value: what the store keeps. */
export interface Sealed {
  /** base64 of `version (1 byte) | nonce (12) | ciphertext | tag (16)`. */
  ciphertext: string;
  keyVersion: number;
}

/**
 * The associated data of a secret: the version byte, then the tenant id and the key, each
 * length-prefixed (4 bytes, big-endian), so `("ab", "c")` and `("a", "bc")` differ. A ciphertext
 * copied to another tenant or key fails authentication.
 */
export function associatedData(version: number, tenantId: string, key: string): Buffer {
  const parts = [Buffer.from(tenantId, 'utf8'), Buffer.from(key, 'utf8')];
  const out = [Buffer.from([version])];
  for (const part of parts) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.length);
    out.push(length, part);
  }
  return Buffer.concat(out);
}

/**
 * AES-256-GCM encryption of secret values with versioned master keys: a random 12-byte nonce per
 * value, the key version as the first byte, `tenantId + key` as associated data. The newest
 * (highest) version encrypts; every configured version decrypts. Keys come from the embedding app
 * (options or environment), never from the store.
 */
export class Vault {
  private readonly newest: number | null;

  constructor(private readonly keys: MasterKeys) {
    this.newest = keys.size === 0 ? null : Math.max(...keys.keys());
  }

  /** True when at least one master key is configured. */
  get configured(): boolean {
    return this.newest !== null;
  }

  /** The version that encrypts, or null with no key. */
  get currentVersion(): number | null {
    return this.newest;
  }

  /** Encrypts a value for `(tenantId, key)` with the newest master key. */
  seal(tenantId: string, key: string, value: string): Sealed {
    const version = this.newest;
    if (version === null) {
      throw new NexomaticError('VALIDATION', 'no master key is configured: set the hub option masterKeys or NEXOMATIC_MASTER_KEY (32 bytes, base64) to store secrets');
    }
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keys.get(version)!, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(version, tenantId, key));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { ciphertext: Buffer.concat([Buffer.from([version]), nonce, body, cipher.getAuthTag()]).toString('base64'), keyVersion: version };
  }

  /**
   * Decrypts a stored secret. Fails with `VALIDATION` when its key version is not configured, and
   * with `INTERNAL` when the ciphertext was tampered with or moved to another tenant or key.
   */
  open(secret: Pick<StoredSecret, 'tenantId' | 'key' | 'ciphertext'>): string {
    const raw = Buffer.from(secret.ciphertext, 'base64');
    const broken = () => new NexomaticError('INTERNAL', `secret ${secret.key} could not be decrypted: its ciphertext is damaged or belongs to another tenant or key`);
    if (raw.length < 1 + NONCE_BYTES + TAG_BYTES) throw broken();
    const version = raw[0]!;
    const masterKey = this.keys.get(version);
    if (!masterKey) {
      throw new NexomaticError('VALIDATION', `secret ${secret.key} is encrypted with master key version ${version}, which is not configured (configured: ${[...this.keys.keys()].join(', ') || 'none'})`);
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, masterKey, raw.subarray(1, 1 + NONCE_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(version, secret.tenantId, secret.key));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(1 + NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw broken();
    }
  }
}
