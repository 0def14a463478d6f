/** The answer to an HTTP handshake: a status and the headers to send. */
export interface HandshakeAnswer {
  status: number;
  headers: Record<string, string>;
  /** Why it was refused, when `status` is not 200. */
  message?: string;
}

/** The request headers of the CloudEvents abuse-protection handshake, by lower-case name. */
export interface AbuseProtectionHeaders {
  'webhook-request-origin'?: string | undefined;
  'webhook-request-rate'?: string | undefined;
  'webhook-request-callback'?: string | undefined;
}

/** The options of {@link answerAbuseProtection}. */
export interface AbuseProtectionOptions {
  /** Origins allowed to deliver (e.g. `eventgrid.azure.net`); `*` allows any. @default ['*'] */
  allowedOrigins?: readonly string[];
  /** Requests per minute granted to the sender, or `*` for no limit of our own. @default '*' */
  allowedRate?: number | '*';
}

/**
 * Answers the CloudEvents webhook abuse-protection handshake (the `OPTIONS` request Event Grid
 * sends before it delivers CloudEvents): `WebHook-Request-Origin` is echoed as
 * `WebHook-Allowed-Origin` when allowed, with `WebHook-Allowed-Rate` when the sender asked for a
 * rate. A missing origin is a 400; an origin not allowed is a 403.
 */
export function answerAbuseProtection(headers: AbuseProtectionHeaders, options: AbuseProtectionOptions = {}): HandshakeAnswer {
  const origin = headers['webhook-request-origin']?.trim();
  const allow = { allow: 'POST, OPTIONS' };
  if (!origin) return { status: 400, headers: allow, message: 'the WebHook-Request-Origin header is required' };
  const allowed = options.allowedOrigins ?? ['*'];
  if (!allowed.includes('*') && !allowed.some((o) => o.toLowerCase() === origin.toLowerCase())) {
    return { status: 403, headers: allow, message: `origin ${origin} may not deliver here` };
  }
  const answer: Record<string, string> = { ...allow, 'webhook-allowed-origin': origin };
  if (headers['webhook-request-rate'] !== undefined) answer['webhook-allowed-rate'] = String(options.allowedRate ?? '*');
  return { status: 200, headers: answer };
}

/** The body that completes Event Grid's subscription validation handshake. */
export function validationAnswer(validationCode: string): { validationResponse: string } {
  return { validationResponse: validationCode };
}
