import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a signature check failed; `ok` when it passed. */
export type SignatureOutcome =
  | { ok: true }
  | {
      ok: false;
      /** `missing`: a header is absent or malformed; `stale`: the timestamp is outside the tolerance; `mismatch`: no signature matches any secret. */
      reason: 'missing' | 'stale' | 'mismatch';
      /** What went wrong, safe to send back to the sender (never a secret or an expected signature). */
      message: string;
    };

/** The headers of a Standard Webhooks request, by lower-case name (Node's `req.headers` fits). */
export interface StandardWebhookHeaders {
  'webhook-id'?: string | string[] | undefined;
  'webhook-timestamp'?: string | string[] | undefined;
  'webhook-signature'?: string | string[] | undefined;
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.trim();

/** What {@link verifyStandardWebhook} checks. */
export interface StandardWebhookCheck {
  /** The raw request body, exactly as received. */
  body: Uint8Array;
  headers: StandardWebhookHeaders;
  /** The signing secrets, `whsec_<base64>` (the prefix is optional); any one of them may have signed. */
  secrets: readonly string[];
  /** Largest accepted difference between `webhook-timestamp` and now, in seconds. @default 300 */
  toleranceSeconds?: number;
  /** The current time. @default new Date() */
  now?: Date;
}

/** The prefix of a Standard Webhooks signing secret. */
export const STANDARD_SECRET_PREFIX = 'whsec_';

/**
 * The HMAC key of a Standard Webhooks secret: the bytes of its base64 text after the optional
 * `whsec_` prefix. Throws when the secret is not base64 or is empty.
 */
export function standardWebhookKey(secret: string): Buffer {
  const text = secret.startsWith(STANDARD_SECRET_PREFIX) ? secret.slice(STANDARD_SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new TypeError('a Standard Webhooks secret must be base64 text, optionally prefixed with whsec_');
  return Buffer.from(text, 'base64');
}

const concat = (...parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));

/** True when two byte strings are equal, in time independent of where they differ. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Verifies a Standard Webhooks request (https://www.standardwebhooks.com): the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, signed with HMAC-SHA256 and sent base64 as `v1,<sig>`;
 * `webhook-signature` may list several space-separated signatures (key rotation), and one that
 * matches any secret passes. The timestamp must be within `toleranceSeconds` of now, which bounds
 * how long a captured request can be replayed; the hub dedupes within that window by `webhook-id`.
 */
export function verifyStandardWebhook(check: StandardWebhookCheck): SignatureOutcome {
  const id = first(check.headers['webhook-id']);
  const timestamp = first(check.headers['webhook-timestamp']);
  const signatures = first(check.headers['webhook-signature']);
  if (!id || !timestamp || !signatures) {
    return { ok: false, reason: 'missing', message: 'the webhook-id, webhook-timestamp and webhook-signature headers are required' };
  }
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing', message: 'webhook-timestamp must be whole seconds since the epoch' };
  const now = Math.floor((check.now ?? new Date()).getTime() / 1000);
  const tolerance = check.toleranceSeconds ?? 300;
  const age = now - Number(timestamp);
  if (age > tolerance) return { ok: false, reason: 'stale', message: `webhook-timestamp is older than ${tolerance} seconds` };
  if (age < -tolerance) return { ok: false, reason: 'stale', message: `webhook-timestamp is more than ${tolerance} seconds in the future` };
  const offered = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  if (offered.length === 0) return { ok: false, reason: 'missing', message: 'webhook-signature holds no v1 signature' };
  const content = concat(Buffer.from(`${id}.${timestamp}.`), check.body);
  for (const secret of check.secrets) {
    const expected = createHmac('sha256', standardWebhookKey(secret)).update(content).digest();
    if (offered.some((sig) => sameBytes(sig, expected))) return { ok: true };
  }
  return { ok: false, reason: 'mismatch', message: 'no signature in webhook-signature matches' };
}

/** What {@link verifyGithubSignature} checks. */
export interface GithubSignatureCheck {
  /** The raw request body, exactly as received. */
  body: Uint8Array;
  /** The `X-Hub-Signature-256` header: `sha256=<hex>`. */
  signature: string | undefined;
  /** The webhook secrets (plain text, as entered in GitHub); any one of them may have signed. */
  secrets: readonly string[];
}

/**
 * Verifies GitHub's `X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the raw body under
 * the webhook secret. GitHub's scheme carries no timestamp, so it cannot bound replays by time.
 */
export function verifyGithubSignature(check: GithubSignatureCheck): SignatureOutcome {
  const header = check.signature?.trim();
  if (!header) return { ok: false, reason: 'missing', message: 'the X-Hub-Signature-256 header is required' };
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header);
  if (!match) return { ok: false, reason: 'missing', message: 'X-Hub-Signature-256 must be sha256= and 64 hex digits' };
  const offered = Buffer.from(match[1]!, 'hex');
  for (const secret of check.secrets) {
    const expected = createHmac('sha256', secret).update(check.body).digest();
    if (sameBytes(offered, expected)) return { ok: true };
  }
  return { ok: false, reason: 'mismatch', message: 'X-Hub-Signature-256 does not match' };
}
