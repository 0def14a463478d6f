/**
 * The store the engine's end-to-end and crash tests run on: SQLite (the hub's default, under its
 * data dir) unless `NEXOMATIC_TEST_STORE=mongodb`, then MongoDB at `NEXOMATIC_TEST_MONGODB_URI`,
 * one database per hub data dir (so a hub restarted on the same data dir finds its data again).
 * `NEXOMATIC_TEST_STORE=mongodb-fake` runs the MongoDB store on the in-memory stand-in of
 * `fake-mongo.ts` (replica-set flavour), for a check without a server; not for the crash tests,
 * whose hub processes cannot share it.
 */
import { createHash } from 'node:crypto';
import type { Db, MongoClient } from 'mongodb';
import type { HubStore } from '../../src/store/port.js';

/** The MongoDB deployment the MongoDB tests use, when set. */
export const MONGODB_URI = process.env.NEXOMATIC_TEST_MONGODB_URI;

/** Which store the engine tests run on. */
export const TEST_STORE: 'sqlite' | 'mongodb' | 'mongodb-fake' =
  process.env.NEXOMATIC_TEST_STORE === 'mongodb' || process.env.NEXOMATIC_TEST_STORE === 'mongodb-fake' ? process.env.NEXOMATIC_TEST_STORE : 'sqlite';

if (TEST_STORE === 'mongodb' && !MONGODB_URI) {
  throw new Error('NEXOMATIC_TEST_STORE=mongodb needs NEXOMATIC_TEST_MONGODB_URI (a MongoDB connection string)');
}

/** The MongoDB database of a hub data dir: the same name for the same dir. */
export function mongoDbNameFor(dataDir: string): string {
  return `nx_${createHash('sha256').update(dataDir).digest('hex').slice(0, 20)}`;
}

/** A store for a hub on `dataDir` and how to dispose of it; undefined for the default (SQLite under the data dir). */
export async function testStoreFor(dataDir: string): Promise<{ store: HubStore; dispose(drop: boolean): Promise<void> } | undefined> {
  if (TEST_STORE === 'sqlite') return undefined;
  const { mongoStore } = await import('../../src/mongo.js');
  if (TEST_STORE === 'mongodb-fake') {
    const { fakeMongo } = await import('./fake-mongo.js');
    return mongoStoreOnFake(fakeMongo({ replicaSet: true }));
  }
  const store = await mongoStore({ url: MONGODB_URI!, dbName: mongoDbNameFor(dataDir) }, { outboxSweepMs: 500, outboxGraceMs: 1000 });
  return {
    store,
    async dispose(drop) {
      const db = store.db;
      if (drop) await db.dropDatabase().catch(() => undefined);
      await store.close();
    },
  };
}

/**
 * The MongoDB store on an in-memory stand-in server (see `fake-mongo.ts`). Agenda's MongoDB backend
 * needs a real server, so the Scheduler keeps its jobs in an in-memory SQLite store here.
 */
export async function mongoStoreOnFake(server: { db: unknown; client: unknown }): Promise<{ store: HubStore; dispose(): Promise<void> }> {
  const { mongoStore } = await import('../../src/mongo.js');
  const { sqliteStore } = await import('../../src/sqlite.js');
  const store = await mongoStore({ db: server.db as Db, client: server.client as MongoClient });
  const agenda = await sqliteStore({ path: ':memory:' });
  const withScheduler: HubStore = Object.assign(Object.create(store) as HubStore, { schedulerBackend: () => agenda.schedulerBackend() });
  return {
    store: withScheduler,
    async dispose() {
      await store.close();
      await agenda.close();
    },
  };
}
