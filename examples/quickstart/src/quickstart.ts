import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createHub, type Hub } from '@nexomatic/hub';
import { isTerminal, streamLogger, type EventRecord, type Logger } from '@nexomatic/core';
import { probePython } from '@nexomatic/sink';
import { createAdminApp, listenAdminApp, type ListeningAdminApp } from '@nexomatic/example-express-admin-ui';
import { demoPipeline, SINK_TYPE, WEBHOOK_SOURCE } from './pipeline.js';

const MODULES = fileURLToPath(new URL('../modules', import.meta.url));
/** The Python example modules; the notify step runs `orders.notify` from here when python3 is there. */
const PYTHON_MODULES = fileURLToPath(new URL('../../python-modules', import.meta.url));

/** The options of {@link startQuickstart}. */
export interface QuickstartOptions {
  /** @default 4000 */
  port?: number;
  /** @default './.nexomatic' */
  dataDir?: string;
  logger?: Logger;
  /** Receives each line the sink process prints. */
  onSinkLine?: (line: string) => void;
}

/** A running quickstart: an embedded hub, a local sink process, the demo pipeline. */
export interface Quickstart {
  hub: Hub;
  url: string;
  /** Where the admin UI is (examples/express-admin-ui); sign in with {@link Quickstart.token}. */
  uiUrl: string;
  /** An Admin API token for the default tenant. */
  token: string;
  /** The file the token is kept in. */
  tokenFile: string;
  /** The URL of the webhook Source that starts the pipeline (POST an order as JSON). */
  webhookUrl: string;
  sink: ChildProcess;
  /** Whether the notify step runs as a Python module (python3 3.9+ is on the PATH). */
  python: boolean;
  /** Fires one demo order and waits for the whole chain; returns every event of the chain. */
  runDemo(order?: Record<string, unknown>): Promise<EventRecord[]>;
  close(): Promise<void>;
}

/** The Admin token: created on the hub's first start and kept (mode 0600) beside its database. */
async function adminToken(hub: Hub, file: string): Promise<string> {
  if (hub.initialAdminToken) {
    await writeFile(file, `${hub.initialAdminToken}\n`, { mode: 0o600 });
    return hub.initialAdminToken;
  }
  const saved = await readFile(file, 'utf8').catch(() => '');
  if (saved.trim()) return saved.trim();
  const { token } = await hub.createToken({ role: 'Admin', name: 'quickstart' });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * The keys that encrypt the demo's Secrets: none here when `NEXOMATIC_MASTER_KEY(S)` is set (the
 * hub reads the environment), else a random key kept (mode 0600) beside the database, so the admin
 * UI's Secrets screen works out of the box. A production hub takes its keys from the environment,
 * never from a file beside its database.
 */
async function demoMasterKeys(file: string): Promise<{ masterKeys?: Record<string, string> }> {
  if (process.env.NEXOMATIC_MASTER_KEYS || process.env.NEXOMATIC_MASTER_KEY) return {};
  let key = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (!key) {
    key = randomBytes(32).toString('base64');
    await writeFile(file, `${key}\n`, { mode: 0o600 });
  }
  return { masterKeys: { 1: key } };
}

/** Starts a local sink as its own process, as it would run on another machine, and waits until it is online. */
function startSink(url: string, clientSecret: string, onLine: (line: string) => void): Promise<ChildProcess> {
  const cli = fileURLToPath(import.meta.resolve('@nexomatic/sink/cli'));
  // From this repository the CLI resolves to its TypeScript source: run it through tsx.
  const loader = cli.endsWith('.ts') ? ['--import', import.meta.resolve('tsx'), '--conditions=source'] : [];
  const child = spawn(process.execPath, [...loader, cli, 'run', '--modules', `${MODULES},${PYTHON_MODULES}`, '--name', 'quickstart-sink'], {
    env: { ...process.env, HUB_URL: url, CLIENT_ID: SINK_TYPE, CLIENT_SECRET: clientSecret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolvePromise, reject) => {
    const lines = (stream: NodeJS.ReadableStream) =>
      createInterface({ input: stream }).on('line', (line) => {
        onLine(line);
        if (line.includes('ONLINE')) resolvePromise(child);
      });
    lines(child.stdout!);
    lines(child.stderr!);
    child.once('exit', (code) => reject(new Error(`the sink exited with code ${code} before it came online`)));
  });
}

/** Walks a chain from its root: every event whose `rootEventId` is the root, oldest first. */
async function chainOf(hub: Hub, rootId: string): Promise<EventRecord[]> {
  const page = await hub.listEvents({ rootEventId: rootId, limit: 100 });
  return page.items.reverse();
}

/** Starts the embedded hub, the local sink and the demo pipeline. */
export async function startQuickstart(options: QuickstartOptions = {}): Promise<Quickstart> {
  const dataDir = resolve(options.dataDir ?? './.nexomatic');
  const logger = options.logger ?? streamLogger('info', undefined, 'hub: ');
  await mkdir(dataDir, { recursive: true });
  const masterKeys = await demoMasterKeys(join(dataDir, 'demo-master-key'));
  const [hub, pythonProbe] = await Promise.all([createHub({ dataDir, logger, ...masterKeys }), probePython('python3')]);
  const python = pythonProbe.available;
  let admin: ListeningAdminApp | undefined;
  try {
    await hub.apply(demoPipeline(join(dataDir, 'orders.jsonl'), { python }));
    const clientSecret = await hub.createClientSecret(SINK_TYPE);
    // One HTTP server for the hub's API, the sinks' WebSocket and the admin UI, as an embedding service would.
    admin = await listenAdminApp(createAdminApp({ hub }), hub, options.port ?? 4000);
    const { hubUrl: url, uiUrl } = admin;
    const server = admin;
    const tokenFile = join(dataDir, 'admin-token');
    const webhook = (await hub.listSources()).find((source) => source.name === WEBHOOK_SOURCE)!;
    const webhookUrl = new URL(webhook.paths[0]!, url).href;
    const token = await adminToken(hub, tokenFile);
    const sink = await startSink(url, clientSecret, options.onSinkLine ?? ((line) => process.stderr.write(`sink: ${line}\n`)));
    return {
      hub,
      url,
      uiUrl,
      token,
      tokenFile,
      webhookUrl,
      sink,
      python,
      async runDemo(order = { orderId: `A-${Date.now()}`, customer: 'ada@example.com', items: [{ sku: 'tea', price: 4.5, quantity: 2 }] }) {
        const first = await hub.fire({ eventType: 'demo.order-received', payload: order as never });
        // A finished event and its follow-on commit together, so once every event of the chain is
        // finished, the chain is complete.
        const deadline = Date.now() + 60_000;
        for (;;) {
          const chain = await chainOf(hub, first.id);
          const open = chain.filter((e) => !isTerminal(e.state));
          if (open.length === 0) return chain;
          if (Date.now() > deadline) throw new Error(`the demo chain did not finish: ${open.map((e) => e.eventType).join(', ')}`);
          await Promise.all(open.map((e) => hub.waitForEvent(e.id, 30_000)));
        }
      },
      async close() {
        if (sink.exitCode === null && sink.signalCode === null) {
          const exited = new Promise((r) => sink.once('exit', r));
          sink.kill('SIGTERM');
          await exited;
        }
        await server.close();
        await hub.close();
      },
    };
  } catch (error) {
    await admin?.close();
    await hub.close();
    throw error;
  }
}
