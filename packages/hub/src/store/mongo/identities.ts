import type { Role, Tenant, User } from '@nexomatic/core';
import type { IdentityStore, StoredCredential, StoredToken } from '../port.js';
import type { MongoConnection } from './connection.js';
import { isoToDate, validDate, validDateOrNull } from './documents.js';

/** A tenant as stored; `nodeSecretHash` is never part of the tenant record. */
export interface TenantDoc {
  _id: string;
  name: string;
  enforceNodeAuth: boolean;
  createdAt: Date;
  nodeSecretHash?: string | null;
}

/** A user as stored; the name is unique within the tenant. */
export interface UserDoc {
  _id: string;
  tenantId: string;
  name: string;
  role: Role;
  createdAt: Date;
}

/** An API token as stored: a hash, never the value. */
export interface TokenDoc {
  _id: string;
  tenantId: string;
  role: Role;
  name: string;
  hash: string;
  userId: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** A Sink Type's client secret hash, keyed by Sink Type and id. */
export interface ClientSecretDoc {
  _id: string;
  sinkType: string;
  secretId: string;
  hash: string;
  createdAt: Date;
}

const tenantFromDoc = (doc: TenantDoc): Tenant => ({ id: doc._id, name: doc.name, enforceNodeAuth: doc.enforceNodeAuth, createdAt: doc.createdAt.toISOString() });

const userFromDoc = (doc: UserDoc): User => ({ id: doc._id, tenantId: doc.tenantId, name: doc.name, role: doc.role, createdAt: doc.createdAt.toISOString() });

const tokenFromDoc = (doc: TokenDoc): StoredToken => ({
  id: doc._id,
  tenantId: doc.tenantId,
  role: doc.role,
  name: doc.name,
  ...(doc.userId === null ? {} : { userId: doc.userId }),
  hash: doc.hash,
  createdAt: doc.createdAt,
  expiresAt: doc.expiresAt,
  revokedAt: doc.revokedAt,
});

/** The `_id` of a client secret: its Sink Type and id as a JSON array. */
export function clientSecretId(sinkType: string, id: string): string {
  return JSON.stringify([sinkType, id]);
}

/** The identities aggregate over MongoDB: tenants, users, API tokens and Sink Type client secrets. */
export function mongoIdentities(connection: MongoConnection): IdentityStore {
  const tenants = connection.collection<TenantDoc>('tenants');
  const users = connection.collection<UserDoc>('users');
  const tokens = connection.collection<TokenDoc>('tokens');
  const secrets = connection.collection<ClientSecretDoc>('clientSecrets');
  return {
    /** Rejects with `CONFLICT` when the tenant exists. */
    createTenant: (tenant) =>
      connection.run(async () => {
        await tenants.insertOne({ _id: tenant.id, name: tenant.name, enforceNodeAuth: tenant.enforceNodeAuth, createdAt: isoToDate(tenant.createdAt, 'createdAt'), nodeSecretHash: null });
      }),
    getTenant: (id) => connection.run(async () => {
      const doc = await tenants.findOne({ _id: id });
      return doc === null ? null : tenantFromDoc(doc);
    }),
    listTenants: () => connection.run(async () => (await tenants.find({}, { sort: { createdAt: 1, _id: 1 } }).toArray()).map(tenantFromDoc)),
    updateTenant: (tenant) =>
      connection.run(async () => (await tenants.updateOne({ _id: tenant.id }, { $set: { name: tenant.name, enforceNodeAuth: tenant.enforceNodeAuth } })).matchedCount === 1),
    setTenantSecret: (tenantId, hash) =>
      connection.run(async () => {
        await tenants.updateOne({ _id: tenantId }, { $set: { nodeSecretHash: hash } });
      }),
    getTenantSecret: (tenantId) => connection.run(async () => (await tenants.findOne({ _id: tenantId }, { projection: { nodeSecretHash: 1 } }))?.nodeSecretHash ?? null),

    /** Rejects with `CONFLICT` when the id, or the name within the tenant, exists. */
    createUser: (user) =>
      connection.run(async () => {
        await users.insertOne({ _id: user.id, tenantId: user.tenantId, name: user.name, role: user.role, createdAt: isoToDate(user.createdAt, 'createdAt') });
      }),
    getUser: (tenantId, id) => connection.run(async () => {
      const doc = await users.findOne({ _id: id, tenantId });
      return doc === null ? null : userFromDoc(doc);
    }),
    listUsers: (tenantId) => connection.run(async () => (await users.find({ tenantId }, { sort: { name: 1, _id: 1 } }).toArray()).map(userFromDoc)),
    /** Rejects with `CONFLICT` when the new name is taken within the tenant. */
    updateUser: (user) =>
      connection.run(async () => (await users.updateOne({ _id: user.id, tenantId: user.tenantId }, { $set: { name: user.name, role: user.role } })).matchedCount === 1),
    deleteUser: (tenantId, id) => connection.run(async () => (await users.deleteOne({ _id: id, tenantId })).deletedCount === 1),

    /** Rejects with `CONFLICT` when the token id exists. */
    createToken: (token) =>
      connection.run(async () => {
        await tokens.insertOne({
          _id: token.id,
          tenantId: token.tenantId,
          role: token.role,
          name: token.name,
          hash: token.hash,
          userId: token.userId ?? null,
          createdAt: validDate(token.createdAt, 'createdAt'),
          expiresAt: validDateOrNull(token.expiresAt, 'expiresAt'),
          revokedAt: validDateOrNull(token.revokedAt, 'revokedAt'),
        });
      }),
    getToken: (id) => connection.run(async () => {
      const doc = await tokens.findOne({ _id: id });
      return doc === null ? null : tokenFromDoc(doc);
    }),
    listTokens: (tenantId) => connection.run(async () => (await tokens.find({ tenantId }, { sort: { createdAt: 1, _id: 1 } }).toArray()).map(tokenFromDoc)),
    revokeToken: (id, at) =>
      connection.run(async () => (await tokens.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: validDate(at, 'at') } })).modifiedCount === 1),

    addClientSecret: (sinkType, secret) =>
      connection.run(async () => {
        await secrets.insertOne({ _id: clientSecretId(sinkType, secret.id), sinkType, secretId: secret.id, hash: secret.hash, createdAt: validDate(secret.createdAt, 'createdAt') });
      }),
    listClientSecrets: (sinkType) =>
      connection.run(async () =>
        (await secrets.find({ sinkType }, { sort: { createdAt: 1, secretId: 1 } }).toArray()).map(
          (doc): StoredCredential => ({ id: doc.secretId, hash: doc.hash, createdAt: doc.createdAt }),
        ),
      ),
    removeClientSecret: (sinkType, id) => connection.run(async () => (await secrets.deleteOne({ _id: clientSecretId(sinkType, id) })).deletedCount === 1),
  };
}
