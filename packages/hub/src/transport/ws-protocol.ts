/**
 * An API token carried in the `Sec-WebSocket-Protocol` header of a WebSocket upgrade, for callers
 * that cannot set `Authorization` (browsers): the client offers `nexomatic` and
 * `nexomatic.bearer.<base64url token>`; the hub answers with `nexomatic` only, so the token is
 * never echoed. Never from the URL: URLs end up in access logs.
 */
import type { IncomingMessage } from 'node:http';
import { API_WS_PROTOCOL } from '@nexomatic/core';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The token in a request's `Sec-WebSocket-Protocol` header: undefined when it carries none, null
 * when its entry is malformed (the upgrade is refused like a bad token).
 */
export function bearerOfProtocols(req: IncomingMessage): string | null | undefined {
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return undefined;
  const entry = header
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(API_WS_PROTOCOL.bearerPrefix));
  if (entry === undefined) return undefined;
  const encoded = entry.slice(API_WS_PROTOCOL.bearerPrefix.length);
  if (!BASE64URL.test(encoded)) return null;
  const token = Buffer.from(encoded, 'base64url').toString('utf8');
  return /^\S+$/.test(token) ? token : null;
}

/**
 * The subprotocol the hub answers an upgrade with (`ws`'s `handleProtocols`): `nexomatic` when
 * offered, else the first offered one that carries no token, else none.
 */
export function selectProtocol(protocols: Set<string>): string | false {
  if (protocols.has(API_WS_PROTOCOL.protocol)) return API_WS_PROTOCOL.protocol;
  return [...protocols].find((p) => !p.startsWith(API_WS_PROTOCOL.bearerPrefix)) ?? false;
}
