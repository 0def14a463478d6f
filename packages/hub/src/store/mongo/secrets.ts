import type { Filter } from 'mongodb';
import type { SecretStore, StoredSecret } from '../port.js';
import type { MongoConnection } from './connection.js';
import { validDate } from './documents.js';

/** A secret as stored: ciphertext only, keyed by tenant and key. */
export interface SecretDoc {
  _id: string;
  tenantId: string;
  key: string;
  ciphertext: string;
  keyVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The `_id` of a secret: its tenant and key as a JSON array. */
export function secretId(tenantId: string, key: string): string {
  return JSON.stringify([tenantId, key]);
}

/** Secrets on another key version than `keyVersion` (index `secrets_key_version`, two ranges, no `$or`). */
export function notOnVersionFilter(keyVersion: number): Filter<SecretDoc> {
  return { keyVersion: { $ne: keyVersion } };
}

const secretFromDoc = (doc: SecretDoc): StoredSecret => ({
  tenantId: doc.tenantId,
  key: doc.key,
  ciphertext: doc.ciphertext,
  keyVersion: doc.keyVersion,
  createdAt: doc.createdAt,
  updatedAt: doc.updatedAt,
});

/** The secrets aggregate over MongoDB: one ciphertext per `(tenantId, key)`; a replace keeps the first `createdAt`. */
export function mongoSecrets(connection: MongoConnection): SecretStore {
  const secrets = connection.collection<SecretDoc>('secrets');
  return {
    put: (secret) =>
      connection.run(async () => {
        const result = await secrets.updateOne(
          { _id: secretId(secret.tenantId, secret.key) },
          {
            $set: { tenantId: secret.tenantId, key: secret.key, ciphertext: secret.ciphertext, keyVersion: secret.keyVersion, updatedAt: validDate(secret.updatedAt, 'updatedAt') },
            $setOnInsert: { createdAt: validDate(secret.createdAt, 'createdAt') },
          },
          { upsert: true },
        );
        return result.upsertedCount === 1 ? 'created' : 'updated';
      }),
    get: (tenantId, key) =>
      connection.run(async () => {
        const doc = await secrets.findOne({ _id: secretId(tenantId, key) });
        return doc === null ? null : secretFromDoc(doc);
      }),
    delete: (tenantId, key) => connection.run(async () => (await secrets.deleteOne({ _id: secretId(tenantId, key) })).deletedCount === 1),
    list: (tenantId) =>
      connection.run(async () =>
        (await secrets.find({ tenantId }, { sort: { key: 1 } }).toArray()).map((doc) => ({
          key: doc.key,
          tenantId: doc.tenantId,
          keyVersion: doc.keyVersion,
          createdAt: doc.createdAt.toISOString(),
          updatedAt: doc.updatedAt.toISOString(),
        })),
      ),
    notOnVersion: (keyVersion, limit) =>
      connection.run(async () => (await secrets.find(notOnVersionFilter(keyVersion), { sort: { tenantId: 1, key: 1 }, limit }).toArray()).map(secretFromDoc)),
    count: () => connection.run(() => secrets.countDocuments({})),
  };
}
