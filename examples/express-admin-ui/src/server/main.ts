/**
 * The admin example on its own: `npm start -w @nexomatic/example-express-admin-ui`. An Express app
 * embeds a hub under `/hub/`, serves the admin UI under `/ui/`, and runs one demo sink in-process.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createHub } from '@nexomatic/hub';
import { streamLogger } from '@nexomatic/core';
import { startSink } from '@nexomatic/sink';
import { createAdminApp, listenAdminApp } from './app.js';
import { DEMO_MODULES, DEMO_SECRET_KEY, DEMO_SINK_TYPE, demoDefinitions } from './demo.js';
import { exitOnSignals } from './shutdown.js';

const port = Number(process.env.PORT ?? 3000);
const dataDir = resolve(process.env.NEXOMATIC_DATA_DIR ?? './.nexomatic-admin');
await mkdir(dataDir, { recursive: true });

/** Writes `value` to `name` beside the database (mode 0600: only this user may read it). */
async function keep(name: string, value: string): Promise<string> {
  await writeFile(join(dataDir, name), `${value}\n`, { mode: 0o600 });
  return value;
}

/** The value kept in `name` beside the database, or a new one from `create`, kept there. */
async function kept(name: string, create: () => string | Promise<string>): Promise<string> {
  const saved = (await readFile(join(dataDir, name), 'utf8').catch(() => '')).trim();
  return saved || keep(name, await create());
}

const logger = streamLogger('info', undefined, 'hub: ');
// A master key from the environment, else a demo key kept beside the database (never do this in production).
const masterKey = process.env.NEXOMATIC_MASTER_KEY || (await kept('demo-master-key', () => randomBytes(32).toString('base64')));
const hub = await createHub({ dataDir, basePath: '/hub/', masterKeys: { 1: masterKey }, logger });
await hub.apply(demoDefinitions());
if (!(await hub.listSecrets()).some((s) => s.key === DEMO_SECRET_KEY)) await hub.putSecret(DEMO_SECRET_KEY, randomBytes(12).toString('hex'));
// The Admin token: shown on the hub's first start, kept beside the database.
const token = hub.initialAdminToken
  ? await keep('admin-token', hub.initialAdminToken)
  : await kept('admin-token', async () => (await hub.createToken({ role: 'Admin', name: 'admin-example' })).token);

const app = createAdminApp({ hub });
const listening = await listenAdminApp(app, hub, port).catch((error: NodeJS.ErrnoException) => {
  if (error.code !== 'EADDRINUSE') throw error;
  console.error(`Port ${port} is in use. Pick another: PORT=3100 npm start`);
  process.exit(1);
});
const sink = await startSink({
  hubUrl: listening.hubUrl,
  clientId: DEMO_SINK_TYPE,
  clientSecret: await hub.createClientSecret(DEMO_SINK_TYPE),
  modules: [DEMO_MODULES],
  name: 'admin-demo-sink',
  concurrency: 2,
});
await hub.fire({ eventType: 'admin.greet', payload: { name: 'Ada' } });

console.log('\nNexomatic admin UI example is running.\n');
console.log(`Admin UI:     ${listening.uiUrl}`);
console.log(`Hub API:      ${listening.hubUrl}/trpc`);
console.log(`Admin token:  ${token}   (kept in ${join(dataDir, 'admin-token')})`);
console.log('\nPress Ctrl+C to stop.');

exitOnSignals(async () => {
  await sink.close();
  await listening.close();
  await hub.close();
});
