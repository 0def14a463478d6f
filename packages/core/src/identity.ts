import { z } from 'zod';
import { Role } from './states.js';

/** A Tenant: the isolation boundary of every record. */
export const Tenant = z.object({
  id: z.uuid(),
  name: z.string().min(1).max(200),
  /** Sinks must present `TENANT_SECRET` to serve this tenant. */
  enforceNodeAuth: z.boolean(),
  createdAt: z.string(),
});
/** A Tenant. */
export type Tenant = z.infer<typeof Tenant>;

/** Who is calling the hub's API: a tenant and a role. */
export const Identity = z.object({
  tenantId: z.string(),
  role: Role,
  /** A display name for audit records. */
  subject: z.string(),
});
/** Who is calling the hub's API. */
export type Identity = z.infer<typeof Identity>;

/** A user of a tenant, with a role there. Users sign in through API tokens or the embedding app. */
export const User = z.object({
  id: z.uuid(),
  tenantId: z.string(),
  /** An e-mail address or other unique name within the tenant. */
  name: z.string().min(1).max(200),
  role: Role,
  createdAt: z.string(),
});
/** A user of a tenant. */
export type User = z.infer<typeof User>;

/** What an API lists about a token: never its value or hash. */
export const TokenMetadata = z.object({
  id: z.uuid(),
  tenantId: z.string(),
  name: z.string(),
  role: Role,
  /** The user the token belongs to, if any. */
  userId: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
/** What an API lists about a token. */
export type TokenMetadata = z.infer<typeof TokenMetadata>;

/** The kinds of thing the audit log records changes to. */
export const AuditTarget = z.enum(['definition', 'secret', 'token', 'user', 'source', 'tenant', 'sink']);
/** A kind of audited thing. */
export type AuditTarget = z.infer<typeof AuditTarget>;

/**
 * One append-only audit record: who did what to which thing, and when. Refused secret resolves
 * are recorded too (`action: 'resolve-refused'`).
 */
export const AuditRecord = z.object({
  id: z.string(),
  tenantId: z.string(),
  at: z.string(),
  /** The identity's subject (`token:ops`, `user:ada@example.com`, `sink:<id>`, `hub`). */
  actor: z.string(),
  action: z.string().min(1).max(100),
  target: AuditTarget,
  /** The thing's name or id (a secret's key, never its value). */
  name: z.string(),
  details: z.record(z.string(), z.json()).optional(),
});
/** One audit record. */
export type AuditRecord = z.infer<typeof AuditRecord>;

/** The metadata of a Secret; the value is never part of any record an API returns. */
export const SecretMetadata = z.object({
  key: z.string().min(1).max(200),
  tenantId: z.string(),
  keyVersion: z.number().int().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** The metadata of a Secret. */
export type SecretMetadata = z.infer<typeof SecretMetadata>;
