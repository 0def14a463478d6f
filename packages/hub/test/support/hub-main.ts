/**
 * A hub in its own process, for crash tests. Run with `node --import tsx --conditions=source`.
 * Configured by environment variables:
 * - `NEXOMATIC_TEST_DATA_DIR` (required): the hub's data dir (its SQLite file lives there);
 * - `NEXOMATIC_TEST_PORT`: the port, 0 (default) for a free one;
 * - `NEXOMATIC_TEST_DEFINITIONS`: definitions to apply, as JSON;
 * - `NEXOMATIC_TEST_HUB_OPTIONS`: more hub options, as JSON.
 * When listening it prints one JSON line on stdout: `{ url, port, clientSecret, token, pid }`, with a
 * new `CLIENT_SECRET` of `TEST:NODE` and a new Admin token. Its own log goes to stderr.
 */
import { streamLogger, type DefinitionsInput } from '@nexomatic/core';
import { createHub } from '../../src/index.js';
import { testStoreFor } from './test-store.js';

const env = process.env;
const dataDir = env.NEXOMATIC_TEST_DATA_DIR;
if (!dataDir) throw new Error('NEXOMATIC_TEST_DATA_DIR is required');
const options = JSON.parse(env.NEXOMATIC_TEST_HUB_OPTIONS ?? '{}') as Record<string, unknown>;
const definitions = JSON.parse(env.NEXOMATIC_TEST_DEFINITIONS ?? '{}') as DefinitionsInput;

// SQLite under the data dir, or MongoDB (one database per data dir) with NEXOMATIC_TEST_STORE=mongodb.
const testStore = await testStoreFor(dataDir);
const hub = await createHub({ ...options, dataDir, logger: streamLogger('info'), ...(testStore ? { store: testStore.store } : {}) });
await hub.apply(definitions);
const clientSecret = await hub.createClientSecret('TEST:NODE');
const { token } = await hub.createToken({ role: 'Admin', name: `hub-process-${process.pid}` });
const { url, port } = await hub.listen(Number(env.NEXOMATIC_TEST_PORT ?? 0));
process.stdout.write(`${JSON.stringify({ url, port, clientSecret, token, pid: process.pid })}\n`);

const stop = () => void hub.close().then(() => testStore?.dispose(false)).then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
