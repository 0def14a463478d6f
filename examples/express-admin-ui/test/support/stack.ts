/**
 * A whole admin stack for the browser tests and the screenshot script: the UI built with Vite into
 * a temp folder, a hub with its own SQLite file, the Express app on port 0 and a real sink.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, type Hub } from '@nexomatic/hub';
import { startSink, type Sink } from '@nexomatic/sink';
import { createAdminApp, listenAdminApp, type ListeningAdminApp } from '../../src/server/app.js';
import { buildAdminUi } from '../../src/server/build.js';
import { BATCH_SINK_TYPE, DEMO_MODULES, DEMO_SECRET_KEY, DEMO_SINK_TYPE, demoDefinitions } from '../../src/server/demo.js';

/** A running stack. */
export interface AdminStack {
  hub: Hub;
  app: ListeningAdminApp;
  /** The demo sink (Sink Type `ADMIN:NODE`, node modules in child processes). */
  sink: Sink;
  adminToken: string;
  viewerToken: string;
  /** The value of the demo secret the greet Action references. */
  demoSecretValue: string;
  /** Starts a sink of the batch Sink Type (in-process modules), which nothing serves until then. */
  startBatchSink(): Promise<Sink>;
  close(): Promise<void>;
}

/** Builds the UI and starts everything; `close()` stops it all and removes the temp folders. */
export async function startAdminStack(options: { distDir?: string } = {}): Promise<AdminStack> {
  const dir = mkdtempSync(join(tmpdir(), 'nexomatic-admin-ui-'));
  const distDir = options.distDir ?? (await buildAdminUi(join(dir, 'dist')));
  const hub = await createHub({
    dataDir: join(dir, 'data'),
    basePath: '/hub/',
    masterKeys: { 1: randomBytes(32).toString('base64') },
    pollIntervalMs: 100,
    heartbeatIntervalMs: 500,
    starvationWarningMs: 1000,
  });
  const sinks: Sink[] = [];
  let app: ListeningAdminApp | undefined;
  const close = async () => {
    await Promise.all(sinks.map((s) => s.close({ force: true }).catch(() => undefined)));
    await app?.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await hub.apply(demoDefinitions());
    const demoSecretValue = `demo-${randomBytes(9).toString('hex')}`;
    await hub.putSecret(DEMO_SECRET_KEY, demoSecretValue);
    app = await listenAdminApp(createAdminApp({ hub, distDir }), hub, 0);
    const hubUrl = app.hubUrl;
    const sink = await startSink({
      hubUrl,
      clientId: DEMO_SINK_TYPE,
      clientSecret: await hub.createClientSecret(DEMO_SINK_TYPE),
      modules: [DEMO_MODULES],
      name: 'ui-test-sink',
      concurrency: 1,
      heartbeatIntervalMs: 500,
    });
    sinks.push(sink);
    const adminToken = (await hub.createToken({ role: 'Admin', name: 'ui-admin' })).token;
    const viewerToken = (await hub.createToken({ role: 'Viewer', name: 'ui-viewer' })).token;
    return {
      hub,
      app,
      sink,
      adminToken,
      viewerToken,
      demoSecretValue,
      async startBatchSink() {
        const batch = await startSink({
          hubUrl,
          clientId: BATCH_SINK_TYPE,
          clientSecret: await hub.createClientSecret(BATCH_SINK_TYPE),
          modules: [DEMO_MODULES],
          name: 'ui-batch-sink',
          inProcess: true,
          heartbeatIntervalMs: 500,
        });
        sinks.push(batch);
        return batch;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
