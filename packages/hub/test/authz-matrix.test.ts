/**
 * The authorization matrix: every procedure of the hub's router, enumerated at run time, is called
 *
 * - with no token, and with a bogus one (expects `UNAUTHENTICATED`);
 * - as a `Viewer` of tenant A, for every mutation (expects `FORBIDDEN`);
 * - as an `Admin` of tenant B, on tenant A's resources (expects `NOT_FOUND` or `FORBIDDEN`; a call
 *   that acts on the caller's own tenant may succeed, but its response names nothing of tenant A);
 * - over a sink's WebSocket, for API procedures (expects `UNAUTHENTICATED`);
 * - for sink procedures: over HTTP with no sink credentials (`UNAUTHENTICATED`), and by a sink
 *   pinned to tenant B on tenant A's sink (`FORBIDDEN`).
 *
 * Tenant A's state is compared before and after: nothing any of those calls did may change it.
 * Finally each call is made as tenant A's Admin, to prove its input is valid and names a real
 * resource (so the refusals above are isolation, not a typo).
 *
 * A procedure missing from {@link MATRIX} fails the test: a new procedure needs a row.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADERS } from '@nexomatic/core';
import { appRouter } from '../src/transport/router.js';
import type { Hub } from '../src/index.js';
import { WireSink, sinkHeaders } from './support/wire-sink.js';
import { startTestHub, testDefinitions, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

/** Tenant A's resources, and what must never show up in an answer to anyone else. */
interface Seed {
  tenantA: string;
  tenantB: string;
  eventId: string;
  /** An Event Type only tenant A defines. */
  eventType: string;
  /** A string in the payload of tenant A's event. */
  marker: string;
  secretKey: string;
  secretValue: string;
  /** A token of tenant A that the matrix may revoke (not one it calls with). */
  tokenId: string;
  tokenName: string;
  userId: string;
  userName: string;
  /** A sink pinned to tenant A. */
  sinkId: string;
}

type Scope =
  /** Names a resource of tenant A: another tenant gets NOT_FOUND or FORBIDDEN. */
  | 'resource'
  /** Acts on the caller's own tenant (a list, a create): may succeed, but shows nothing of tenant A. */
  | 'own';

interface Row {
  kind: 'api' | 'sink';
  mutation: boolean;
  scope: Scope;
  /** A valid input that targets tenant A's resources; undefined for a procedure with no input. */
  input?: (s: Seed) => unknown;
}

/** Every procedure of the router. Add a row for a new procedure: its kind, and an input aimed at tenant A. */
const MATRIX: Record<string, Row> = {
  // The sink protocol.
  'sink.hello': { kind: 'sink', mutation: false, scope: 'own' },
  'sink.tasks': {
    kind: 'sink',
    mutation: false,
    scope: 'resource',
    input: (s) => ({ sinkId: s.sinkId, name: 'hijack', version: '0', runtimes: ['node'], modules: [], concurrency: 1 }),
  },
  'sink.report': {
    kind: 'sink',
    mutation: true,
    scope: 'resource',
    input: (s) => ({ sinkId: s.sinkId, reports: [{ kind: 'result', eventId: s.eventId, attempt: 1, outcome: 'SUCCESS', result: { forged: true } }] }),
  },
  'sink.heartbeat': { kind: 'sink', mutation: true, scope: 'resource', input: (s) => ({ sinkId: s.sinkId }) },
  'sink.status': { kind: 'sink', mutation: true, scope: 'resource', input: (s) => ({ sinkId: s.sinkId, status: 'ONLINE' }) },
  'sink.resolveSecret': {
    kind: 'sink',
    mutation: true,
    scope: 'resource',
    input: (s) => ({ sinkId: s.sinkId, eventId: s.eventId, attempt: 1, key: s.secretKey }),
  },

  // Events.
  'events.fire': { kind: 'api', mutation: true, scope: 'own', input: () => ({ eventType: 'echo', payload: { from: 'matrix' } }) },
  'events.fireBatch': { kind: 'api', mutation: true, scope: 'own', input: () => ({ events: [{ eventType: 'echo', payload: {} }] }) },
  'events.get': { kind: 'api', mutation: false, scope: 'resource', input: (s) => ({ id: s.eventId }) },
  'events.list': { kind: 'api', mutation: false, scope: 'own', input: () => ({ limit: 100 }) },
  'events.wait': { kind: 'api', mutation: false, scope: 'resource', input: (s) => ({ id: s.eventId, timeoutMs: 0 }) },
  'events.cancel': { kind: 'api', mutation: true, scope: 'resource', input: (s) => ({ id: s.eventId }) },
  'events.rerun': { kind: 'api', mutation: true, scope: 'resource', input: (s) => ({ id: s.eventId }) },
  'events.counts': { kind: 'api', mutation: false, scope: 'own' },
  'events.logs': { kind: 'api', mutation: false, scope: 'resource', input: (s) => ({ id: s.eventId }) },

  // Logs: by event, another tenant's event is NOT_FOUND; the tail is a subscription (read-only).
  'logs.query': { kind: 'api', mutation: false, scope: 'resource', input: (s) => ({ eventId: s.eventId, limit: 100 }) },
  'logs.tail': { kind: 'api', mutation: false, scope: 'resource', input: (s) => ({ eventId: s.eventId }) },

  // Definitions.
  'definitions.upsert': {
    kind: 'api',
    mutation: true,
    scope: 'own',
    input: (s) => ({ eventTypes: [{ name: s.eventType, sinkType: 'TEST:NODE', action: 'record' }] }),
  },
  'definitions.list': { kind: 'api', mutation: false, scope: 'own', input: () => ({ kind: 'eventType' }) },
  // A diff changes nothing: a Viewer may ask; another tenant's diff is about its own definitions.
  'definitions.diff': {
    kind: 'api',
    mutation: false,
    scope: 'own',
    input: (s) => ({ eventTypes: [{ name: s.eventType, sinkType: 'TEST:NODE', action: 'record' }] }),
  },

  // Sinks.
  'sinks.list': { kind: 'api', mutation: false, scope: 'own' },
  'sinks.starving': { kind: 'api', mutation: false, scope: 'own' },
  // A sink pinned to tenant A is NOT_FOUND to anyone else.
  'sinks.control': { kind: 'api', mutation: true, scope: 'resource', input: (s) => ({ sinkId: s.sinkId, signal: 'RESET' }) },

  // Secrets: a put under tenant A's key creates tenant B's own secret and leaves A's alone.
  'secrets.put': { kind: 'api', mutation: true, scope: 'own', input: (s) => ({ key: s.secretKey, value: 'written-by-the-matrix' }) },
  'secrets.delete': { kind: 'api', mutation: true, scope: 'resource', input: (s) => ({ key: s.secretKey }) },
  'secrets.list': { kind: 'api', mutation: false, scope: 'own' },

  // Sources: tenant A's Source (named in the seed) is NOT_FOUND to anyone else.
  'sources.list': { kind: 'api', mutation: false, scope: 'own' },
  'sources.rotateToken': { kind: 'api', mutation: true, scope: 'resource', input: () => ({ name: 'a-only-hook' }) },

  // Schedules: reads only (Schedules are written with definitions.upsert); a preview names no resource.
  'schedules.preview': { kind: 'api', mutation: false, scope: 'own', input: () => ({ cron: '0 9 * * 1-5', timeZone: 'Europe/Berlin', count: 3 }) },
  'schedules.list': { kind: 'api', mutation: false, scope: 'own' },

  // Audit.
  'audit.query': { kind: 'api', mutation: false, scope: 'own', input: () => ({ limit: 500 }) },

  // API tokens: a token for tenant A's user is not tenant B's to create.
  'tokens.create': {
    kind: 'api',
    mutation: true,
    scope: 'resource',
    input: (s) => ({ name: 'matrix-token', role: 'Viewer', userId: s.userId }),
  },
  'tokens.list': { kind: 'api', mutation: false, scope: 'own' },
  'tokens.revoke': { kind: 'api', mutation: true, scope: 'resource', input: (s) => ({ id: s.tokenId }) },

  // Users: a user named like tenant A's is tenant B's own.
  'users.create': { kind: 'api', mutation: true, scope: 'own', input: (s) => ({ name: s.userName, role: 'Viewer' }) },
  'users.list': { kind: 'api', mutation: false, scope: 'own' },
  'users.update': { kind: 'api', mutation: true, scope: 'resource', input: (s) => ({ id: s.userId, role: 'Admin' }) },
  'users.delete': { kind: 'api', mutation: true, scope: 'resource', input: (s) => ({ id: s.userId }) },

  // Tenants: only ever the caller's own.
  'tenants.current': { kind: 'api', mutation: false, scope: 'own' },
  'tenants.update': { kind: 'api', mutation: true, scope: 'own', input: () => ({ name: 'renamed-by-the-matrix' }) },
  'tenants.rotateSecret': { kind: 'api', mutation: true, scope: 'own' },

  // Session: who the caller is (any role); only ever the caller's own tenant.
  'session.me': { kind: 'api', mutation: false, scope: 'own' },
};

// ---------------------------------------------------------------------------------------------

interface ProcedureInfo {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
}

/** Every procedure of a router, found by walking its record (nested routers included). */
function enumerate(record: Record<string, unknown>, prefix = ''): ProcedureInfo[] {
  const found: ProcedureInfo[] = [];
  for (const [name, value] of Object.entries(record)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const def = (value as { _def?: { procedure?: boolean; type?: ProcedureInfo['type']; record?: Record<string, unknown> } })._def;
    if (def?.procedure) found.push({ path, type: def.type! });
    else if (def?.record) found.push(...enumerate(def.record, path));
    else if (typeof value === 'object' && value !== null) found.push(...enumerate(value as Record<string, unknown>, path));
  }
  return found;
}

const procedures = enumerate(appRouter._def.record as Record<string, unknown>);
/** The procedures the matrix has a row for (the first test fails for any other). */
const covered = procedures.filter((p) => MATRIX[p.path] !== undefined);

interface Answer {
  /** The Nexomatic code of an error, or null for a success. */
  code: string | null;
  /** The whole serialized answer, for leak checks. */
  text: string;
  status: number;
}

function codeOf(json: unknown): string | null {
  const error = (json as { error?: { data?: { nexomatic?: { code?: string }; code?: string } } }).error;
  if (!error) return null;
  return error.data?.nexomatic?.code ?? error.data?.code ?? 'UNKNOWN';
}

/** Calls a procedure over HTTP the way any HTTP client can, and returns the raw answer. */
async function http(url: string, proc: ProcedureInfo, input: unknown, token: string | null): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const target = `${url}/trpc/${proc.path}`;
  const aborter = new AbortController();
  const res =
    proc.type === 'mutation'
      ? await fetch(target, { method: 'POST', headers, ...(input === undefined ? {} : { body: JSON.stringify(input) }) })
      : await fetch(input === undefined ? target : `${target}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers, signal: aborter.signal });
  const text = proc.type === 'subscription' ? await firstEvents(res, aborter) : await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A subscription is answered with an event stream; a `serialized-error` event carries its error.
    const error = /^event: serialized-error\ndata: (.*)$/m.exec(text)?.[1];
    json = error ? { error: JSON.parse(error) as unknown } : { result: text };
  }
  return { code: codeOf(json), text, status: res.status };
}

/**
 * The body of a subscription's event stream up to its first event that says how it went (an
 * error, data, or `connected` for a subscription that waits for news), then stops reading: a live
 * subscription (e.g. `logs.tail`) never ends by itself.
 */
async function firstEvents(res: Response, aborter: AbortController): Promise<string> {
  if (!res.body || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) return res.text();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      if (/^(event: (serialized-error|connected)|data: )/m.test(text) && text.endsWith('\n\n')) break;
    }
  } finally {
    aborter.abort();
  }
  return text;
}

/** Calls a procedure over a raw sink WebSocket; waits for its error, or its first result. */
async function overSocket(sink: WireSink, proc: ProcedureInfo, input: unknown): Promise<Answer> {
  const id = sink.send(proc.type, proc.path, input);
  const frames = await waitFor(
    `an answer to ${proc.path}`,
    () => {
      const answers = sink.answers(id);
      const done = answers.some((a) => a.error !== undefined || a.result?.type === 'data' || (proc.type !== 'subscription' && a.result !== undefined));
      return done ? answers : undefined;
    },
    5_000,
  );
  if (proc.type === 'subscription') sink.stop(id);
  const error = frames.find((f) => f.error !== undefined);
  return { code: error ? codeOf(error) : null, text: JSON.stringify(frames), status: 0 };
}

function secretsOf(s: Seed): string[] {
  return [s.tenantA, s.eventId, s.eventType, s.marker, s.secretKey, s.secretValue, s.tokenId, s.tokenName, s.userId, s.userName, s.sinkId].filter(
    (v) => v.length > 0,
  );
}

/** Tenant A's identifiers an answer must not contain (those the caller itself sent excepted). */
function leaked(answer: Answer, s: Seed, input: unknown): string[] {
  const sent = JSON.stringify(input ?? null);
  return secretsOf(s).filter((v) => !sent.includes(v) && answer.text.includes(v));
}

// ---------------------------------------------------------------------------------------------

let test: TestHub;
let seed: Seed;
let tokens: { adminA: string; viewerA: string; adminB: string };
let sinkA: WireSink;
let sinkB: WireSink;

const has = (path: string) => procedures.some((p) => p.path === path);
const proc = (path: string) => procedures.find((p) => p.path === path)!;

/** Tenant A's state, as the store has it: what no call by anyone else may change. */
async function snapshotA(): Promise<string> {
  const store = test.hub.store as Hub['store'] & Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>;
  const a = seed.tenantA;
  const events = await test.hub.store.events.list(a, { limit: 1000 });
  const parts: unknown[] = [
    events.items.map((e) => [e.id, e.state, e.attempt, e.result ?? null]),
    await test.hub.store.definitions.list(a, 'eventType'),
    await test.hub.store.logs.query(a, { eventId: seed.eventId, limit: 100 }),
    (await test.hub.store.identities.listTokens(a)).map((t) => [t.id, t.role, t.revokedAt]),
    await test.hub.store.identities.listUsers(a),
    await test.hub.store.identities.getTenant(a),
    await test.hub.store.sinks.get(seed.sinkId),
  ];
  if (store.secrets) parts.push(await store.secrets.list!(a));
  return JSON.stringify(parts);
}

async function createTenantB(hub: Hub): Promise<string> {
  const create = (hub as Hub & { createTenant?: (input: { name: string }) => Promise<{ id: string } | string> }).createTenant;
  if (typeof create === 'function') {
    const created = await create.call(hub, { name: 'tenant-b' });
    return typeof created === 'string' ? created : created.id;
  }
  const id = randomUUID();
  await hub.store.identities.createTenant({ id, name: 'tenant-b', enforceNodeAuth: false, createdAt: new Date().toISOString() });
  return id;
}

beforeAll(async () => {
  test = await startTestHub({ leaseMs: 120_000, masterKeys: { 1: randomBytes(32).toString('base64') } } as never);
  const { hub, url } = test;
  const tenantA = hub.tenantId;
  const tenantB = await createTenantB(hub);
  await hub.apply(testDefinitions, tenantB);
  tokens = {
    adminA: (await hub.createToken({ role: 'Admin', name: 'matrix-admin-a' })).token,
    viewerA: (await hub.createToken({ role: 'Viewer', name: 'matrix-viewer-a' })).token,
    adminB: (await hub.createToken({ role: 'Admin', name: 'matrix-admin-b', tenantId: tenantB })).token,
  };
  const tag = randomBytes(6).toString('hex');
  const eventType = `a-only-${tag}`;
  await hub.apply({ eventTypes: [{ name: eventType, sinkType: 'TEST:NODE', action: 'record' }] });
  await hub.apply({ sources: [{ name: 'a-only-hook', type: 'webhook', eventTypes: ['echo'] }] });
  const marker = `marker-of-a-${tag}`;
  const event = await hub.fire({ eventType: 'echo', payload: { marker } });
  const extra = await hub.createToken({ role: 'Viewer', name: `revocable-a-${tag}` });

  const s: Seed = {
    tenantA,
    tenantB,
    eventId: event.id,
    eventType,
    marker,
    secretKey: `A_ONLY_KEY_${tag}`,
    secretValue: `a-secret-value-${tag}`,
    tokenId: extra.id,
    tokenName: `revocable-a-${tag}`,
    userId: '',
    userName: '',
    sinkId: randomUUID(),
  };
  // Seed what the API can create, through the API as tenant A's Admin.
  if (has('secrets.put')) {
    const put = await http(url, proc('secrets.put'), { key: s.secretKey, value: s.secretValue }, tokens.adminA);
    expect(put.code, put.text).toBeNull();
    expect(put.text).not.toContain(s.secretValue);
  }
  if (has('users.create')) {
    s.userName = `user-of-a-${tag}@example.com`;
    const created = await http(url, proc('users.create'), { name: s.userName, role: 'Viewer' }, tokens.adminA);
    expect(created.code, created.text).toBeNull();
    const json = JSON.parse(created.text) as { result: { data: { id?: string; user?: { id: string } } } };
    s.userId = json.result.data.id ?? json.result.data.user?.id ?? '';
    expect(s.userId).not.toBe('');
  }
  // A sink pinned to tenant A that registers (and claims nothing: it runs no module of ours).
  sinkA = await WireSink.open(url, sinkHeaders(test.clientSecret, { [CREDENTIAL_HEADERS.tenantUuid]: tenantA }));
  const sub = sinkA.send('subscription', 'sink.tasks', { sinkId: s.sinkId, name: 'sink-a', version: '0', runtimes: ['node'], modules: ['no.such.module'], concurrency: 1 });
  await waitFor('sink A registered', async () => sinkA.answers(sub).length > 0 && (await hub.store.sinks.get(s.sinkId))?.status === 'ONLINE');
  // A sink pinned to tenant B: it tries tenant A's sink.
  sinkB = await WireSink.open(url, sinkHeaders(test.clientSecret, { [CREDENTIAL_HEADERS.tenantUuid]: tenantB }));
  seed = s;
});

afterAll(async () => {
  sinkA?.close();
  sinkB?.close();
  await test?.close();
});

const NOT_YOURS = ['NOT_FOUND', 'FORBIDDEN'];

describe('the authorization matrix', () => {
  it('has a row for every procedure of the router, with the right kind', () => {
    expect(procedures.length).toBeGreaterThan(10);
    for (const p of procedures) {
      const row = MATRIX[p.path];
      if (!row) expect.fail(`add procedure ${p.path} to the authorization matrix (packages/hub/test/authz-matrix.test.ts)`);
      expect(row.mutation, `${p.path} is a ${p.type}`).toBe(p.type === 'mutation');
      expect(row.kind, `${p.path} lives under sink.* exactly when it is a sink procedure`).toBe(p.path.startsWith('sink.') ? 'sink' : 'api');
    }
    for (const path of Object.keys(MATRIX)) expect(has(path), `the matrix lists ${path}, which the router no longer has`).toBe(true);
  });

  it('refuses every API procedure without a token, with a bogus token, and over a sink socket', async () => {
    for (const p of covered.filter((q) => MATRIX[q.path]!.kind === 'api')) {
      const input = MATRIX[p.path]!.input?.(seed);
      for (const token of [null, 'nxm_00000000-0000-4000-8000-000000000000_bogus', tokens.adminA.slice(0, -2)]) {
        const answer = await http(test.url, p, input, token);
        expect(answer.code, `${p.path} with token ${String(token)}: ${answer.text}`).toBe('UNAUTHENTICATED');
        expect(leaked(answer, seed, input), p.path).toEqual([]);
      }
      const answer = await overSocket(sinkB, p, input);
      expect(answer.code, `${p.path} over a sink socket: ${answer.text}`).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses every sink procedure over HTTP, with no sink credentials or with an API token', async () => {
    for (const p of covered.filter((q) => MATRIX[q.path]!.kind === 'sink')) {
      const input = MATRIX[p.path]!.input?.(seed);
      for (const token of [null, tokens.adminA]) {
        const answer = await http(test.url, p, input, token);
        expect(answer.code, `${p.path} over HTTP: ${answer.text}`).toBe('UNAUTHENTICATED');
        expect(leaked(answer, seed, input), p.path).toEqual([]);
      }
    }
  });

  it('refuses every mutation to a Viewer', async () => {
    const before = await snapshotA();
    for (const p of covered.filter((q) => MATRIX[q.path]!.kind === 'api' && q.type === 'mutation')) {
      const input = MATRIX[p.path]!.input?.(seed);
      const answer = await http(test.url, p, input, tokens.viewerA);
      expect(answer.code, `${p.path} as a Viewer: ${answer.text}`).toBe('FORBIDDEN');
    }
    expect(await snapshotA()).toBe(before);
  });

  it('shows and changes nothing of tenant A to tenant B’s Admin and to a sink pinned to tenant B', async () => {
    const before = await snapshotA();
    // Calls that name tenant A's resources first, then reads of tenant B's own data, then its own
    // changes (a put under tenant A's key must not make a later delete or list of it look like a leak).
    const rank = (p: ProcedureInfo) => (MATRIX[p.path]!.scope === 'resource' ? 0 : p.type === 'mutation' ? 2 : 1);
    const ordered = [...covered].sort((x, y) => rank(x) - rank(y));
    for (const p of ordered) {
      const row = MATRIX[p.path]!;
      const input = row.input?.(seed);
      const answer = row.kind === 'api' ? await http(test.url, p, input, tokens.adminB) : await overSocket(sinkB, p, input);
      const who = row.kind === 'api' ? 'tenant B’s Admin' : 'a sink pinned to tenant B';
      if (row.scope === 'resource') expect(NOT_YOURS, `${p.path} by ${who} on tenant A’s resource: ${answer.text}`).toContain(answer.code);
      else expect(answer.code, `${p.path} by ${who}: ${answer.text}`).toBeNull();
      expect(leaked(answer, seed, input), `${p.path} by ${who} leaked tenant A’s identifiers: ${answer.text}`).toEqual([]);
    }
    expect(await snapshotA()).toBe(before);
  });

  it('accepts each matrix input from tenant A’s own Admin (the refusals above are isolation, not bad input)', async () => {
    // Reads first, then mutations: they change tenant A (a cancel, a revoke, a delete).
    const api = covered.filter((p) => MATRIX[p.path]!.kind === 'api');
    const ordered = [...api.filter((p) => p.type !== 'mutation'), ...api.filter((p) => p.type === 'mutation')];
    for (const p of ordered) {
      const input = MATRIX[p.path]!.input?.(seed);
      const answer = await http(test.url, p, input, tokens.adminA);
      // A CONFLICT (e.g. re-running an event that has not finished) still proves the input named a real resource.
      expect([null, 'CONFLICT'], `${p.path} by tenant A’s Admin: ${answer.text}`).toContain(answer.code);
    }
  });

  it('tells each caller who it is (session.me): its own tenant, role and subject', async () => {
    const me = async (token: string) => {
      const answer = await http(test.url, proc('session.me'), undefined, token);
      expect(answer.code, answer.text).toBeNull();
      return (JSON.parse(answer.text) as { result: { data: unknown } }).result.data;
    };
    // The names as stored now (the matrix's `tenants.update` calls renamed both tenants).
    const nameOf = async (id: string) => (await test.hub.store.identities.getTenant(id))!.name;
    expect(await me(tokens.viewerA)).toEqual({ tenant: { id: seed.tenantA, name: await nameOf(seed.tenantA) }, role: 'Viewer', subject: 'token:matrix-viewer-a' });
    expect(await me(tokens.adminB)).toEqual({ tenant: { id: seed.tenantB, name: await nameOf(seed.tenantB) }, role: 'Admin', subject: 'token:matrix-admin-b' });
  });
});
