/**
 * The store the engine's end-to-end and crash tests run on: SQLite (the hub's default, under its
 * data dir) unless `NEXOMATIC_TEST_STORE=mongodb`, then MongoDB at `NEXOMATIC_TEST_MONGODB_URI`,
 * one database per hub data dir (so a hub restarted on the same data dir finds its data again).
 */
import { createHash } from 'node:crypto';
import type { HubStore } from '../../src/store/port.js';

/** The MongoDB deployment the MongoDB tests use, when set. */
export const MONGODB_URI = process.env.NEXOMATIC_TEST_MONGODB_URI;

/** Which store the engine tests run on. */
export const TEST_STORE: 'sqlite' | 'mongodb' = process.env.NEXOMATIC_TEST_STORE === 'mongodb' ? 'mongodb' : 'sqlite';

if (TEST_STORE === 'mongodb' && !MONGODB_URI) {
  throw new Error('NEXOMATIC_TEST_STORE=mongodb needs NEXOMATIC_TEST_MONGODB_URI (a MongoDB connection string)');
}

/** The MongoDB database of a hub data dir: the same name for the same dir. */
export function mongoDbNameFor(dataDir: string): string {
  return `nx_${createHash('sha256').update(dataDir).digest('hex').slice(0, 20)}`;
}

/** A store for a hub on `dataDir` and how to dispose of it; undefined for the default (SQLite under the data dir). */
export async function testStoreFor(dataDir: string): Promise<{ store: HubStore; dispose(drop: boolean): Promise<void> } | undefined> {
  if (TEST_STORE !== 'mongodb') return undefined;
  const { mongoStore } = await import('../../src/mongo.js');
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
