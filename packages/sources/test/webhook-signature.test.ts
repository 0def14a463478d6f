import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyGithubSignature, verifyStandardWebhook } from '@nexomatic/sources';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('GitHub X-Hub-Signature-256', () => {
  // The example GitHub publishes in "Validating webhook deliveries".
  const secret = "It's a Secret to Everybody";
  const body = bytes('Hello, World!');
  const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it("accepts GitHub's published example", () => {
    expect(verifyGithubSignature({ body, signature, secrets: [secret] })).toEqual({ ok: true });
    // Either of two secrets (rotation) may have signed; upper-case hex is the same signature.
    expect(verifyGithubSignature({ body, signature: signature.toUpperCase().replace('SHA256', 'sha256'), secrets: ['old', secret] })).toEqual({ ok: true });
  });

  it('refuses another body, another secret, and a missing or malformed header', () => {
    expect(verifyGithubSignature({ body: bytes('Hello, World?'), signature, secrets: [secret] })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verifyGithubSignature({ body, signature, secrets: ["It's a Secret to Nobody"] })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verifyGithubSignature({ body, signature: undefined, secrets: [secret] })).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifyGithubSignature({ body, signature: 'sha1=757107ea', secrets: [secret] })).toMatchObject({ ok: false, reason: 'missing' });
  });
});

describe('Standard Webhooks', () => {
  /** Signs the way the Standard Webhooks spec says, computed here independently of the library. */
  function sign(secret: string, id: string, timestamp: number, body: string): string {
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
  }
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const now = new Date('2026-01-02T03:04:05Z');
  const ts = Math.floor(now.getTime() / 1000);
  const body = '{"event":"order.paid","id":42}';
  const headers = (signature: string, timestamp = ts, id = 'msg_2Lh9K') => ({
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  });

  it('accepts the example of the Standard Webhooks reference libraries', () => {
    const outcome = verifyStandardWebhook({
      body: bytes('{"test": 2432232314}'),
      headers: { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' },
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      now: new Date(1614265330 * 1000),
    });
    expect(outcome).toEqual({ ok: true });
  });

  it('accepts a valid signature, one among several (key rotation), and any of several secrets', () => {
    const valid = sign(secret, 'msg_2Lh9K', ts, body);
    expect(verifyStandardWebhook({ body: bytes(body), headers: headers(valid), secrets: [secret], now })).toEqual({ ok: true });
    const other = sign(`whsec_${randomBytes(24).toString('base64')}`, 'msg_2Lh9K', ts, body);
    expect(verifyStandardWebhook({ body: bytes(body), headers: headers(`${other} v1a,xyz ${valid}`), secrets: [secret], now })).toEqual({ ok: true });
    expect(verifyStandardWebhook({ body: bytes(body), headers: headers(valid), secrets: ['whsec_b2xk', secret], now })).toEqual({ ok: true });
    // A secret without the whsec_ prefix is the same key.
    expect(verifyStandardWebhook({ body: bytes(body), headers: headers(valid), secrets: [secret.slice(6)], now })).toEqual({ ok: true });
  });

  it('refuses a changed body, id or timestamp, and a signature by another secret', () => {
    const valid = sign(secret, 'msg_2Lh9K', ts, body);
    const check = (over: { body?: string; id?: string; timestamp?: number; secrets?: string[] }) =>
      verifyStandardWebhook({
        body: bytes(over.body ?? body),
        headers: headers(valid, over.timestamp ?? ts, over.id ?? 'msg_2Lh9K'),
        secrets: over.secrets ?? [secret],
        now,
      });
    expect(check({ body: '{"event":"order.paid","id":43}' })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check({ id: 'msg_other' })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check({ timestamp: ts - 1 })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check({ secrets: [`whsec_${randomBytes(24).toString('base64')}`] })).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('refuses a timestamp outside the tolerance, past or future, even with a valid signature', () => {
    for (const [timestamp, tolerance, ok] of [
      [ts - 300, 300, true],
      [ts - 301, 300, false],
      [ts + 301, 300, false],
      [ts - 3600, 7200, true],
    ] as const) {
      const outcome = verifyStandardWebhook({
        body: bytes(body),
        headers: headers(sign(secret, 'msg_2Lh9K', timestamp, body), timestamp),
        secrets: [secret],
        toleranceSeconds: tolerance,
        now,
      });
      expect(outcome.ok, `timestamp ${timestamp - ts}s, tolerance ${tolerance}s`).toBe(ok);
      if (!outcome.ok) expect(outcome.reason).toBe('stale');
    }
  });

  it('refuses missing headers and signatures in no known version', () => {
    expect(verifyStandardWebhook({ body: bytes(body), headers: {}, secrets: [secret], now })).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifyStandardWebhook({ body: bytes(body), headers: headers('v2,abc'), secrets: [secret], now })).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifyStandardWebhook({ body: bytes(body), headers: { ...headers('v1,abc'), 'webhook-timestamp': '2026-01-02' }, secrets: [secret], now })).toMatchObject({
      ok: false,
      reason: 'missing',
    });
  });
});
