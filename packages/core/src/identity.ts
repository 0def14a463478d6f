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
