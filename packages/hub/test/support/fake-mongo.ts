/**
 * An in-memory stand-in for `mongod`, just large enough to run the MongoDB store's code paths
 * through the store contract where no server exists: as a standalone server (no sessions), or as a
 * replica set with transactions (run one at a time, undone when their callback throws) and change
 * streams on inserts and updates. Each operation applies atomically, and operations interleave at
 * every `await`, like single-document atomicity on a real server. Unique indexes (partial ones
 * included) are enforced and fail with `E11000` errors shaped like the server's. Queries,
 * updates and pipelines run through the matcher in `mongo-matcher.ts`; an unsupported operator or
 * option throws. It is a check of the store's logic, not of MongoDB: the real-server suite in
 * `store-mongo.test.ts` is the authority.
 */
import { ObjectId } from 'mongodb';
import { aggregate, applyUpdate, find, matches } from './mongo-matcher.js';

type Doc = Record<string, unknown>;

interface UniqueIndex {
  name: string;
  fields: string[];
  partial: Doc | undefined;
}

function clone<T>(value: T): T {
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value instanceof ObjectId || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  return Object.fromEntries(Object.entries(value as Doc).map(([k, v]) => [k, clone(v)])) as T;
}

function project(doc: Doc, projection: Doc | undefined): Doc {
  if (projection === undefined) return clone(doc);
  const fields = Object.keys(projection).filter((key) => projection[key] === 1);
  return Object.fromEntries([['_id', doc._id], ...fields.filter((key) => key in doc).map((key) => [key, clone(doc[key])])]);
}

/** A server-shaped duplicate-key error. */
function duplicate(collection: string, index: string): Error {
  const errmsg = `E11000 duplicate key error collection: fake.${collection} index: ${index} dup key: { }`;
  return Object.assign(new Error(errmsg), { code: 11000, errmsg });
}

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

function cursor<T>(rows: () => T[]) {
  return { toArray: async () => (await pause(), rows()) };
}

/** Checks a session is used only inside its transaction, and marks the collection as written by it. */
function useSession(options: Doc | undefined, collection: FakeCollection, writes: boolean): void {
  const session = options?.session as FakeSession | undefined;
  if (session === undefined) return;
  if (!session.inTransaction) throw new Error('the fake uses sessions only inside withTransaction');
  if (writes) session.touched.add(collection);
}

/** A change-stream listener: the `$match` of its pipeline, and where to send changes. */
interface Watcher {
  match: Doc;
  emit(change: Doc): void;
}

class FakeCollection {
  docs: Doc[] = [];
  readonly unique: UniqueIndex[] = [{ name: '_id_', fields: ['_id'], partial: undefined }];
  readonly watchers = new Set<Watcher>();

  constructor(
    readonly name: string,
    readonly replicaSet: boolean,
  ) {}

  private check(doc: Doc, except?: Doc): void {
    for (const index of this.unique) {
      if (index.partial && !matches(doc, index.partial)) continue;
      const key = JSON.stringify(index.fields.map((field) => doc[field] ?? null));
      const clash = this.docs.some(
        (other) => other !== except && (!index.partial || matches(other, index.partial)) && JSON.stringify(index.fields.map((field) => other[field] ?? null)) === key,
      );
      if (clash) throw duplicate(this.name, index.name);
    }
  }

  private insertNow(doc: Doc): void {
    const copy = clone(doc);
    copy._id ??= new ObjectId();
    this.check(copy);
    this.docs.push(copy);
    this.notify({ operationType: 'insert', fullDocument: clone(copy), documentKey: { _id: copy._id } });
  }

  private notify(change: Doc): void {
    for (const watcher of this.watchers) if (matches(change, watcher.match)) setImmediate(() => watcher.emit(change));
  }

  private updateNow(doc: Doc, update: Doc | Doc[]): Doc {
    const next = applyUpdate(doc, update);
    this.check(next, doc);
    this.docs[this.docs.indexOf(doc)] = next;
    const updatedFields = Object.fromEntries(Object.entries(next).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(doc[key])));
    this.notify({ operationType: 'update', documentKey: { _id: next._id }, updateDescription: { updatedFields } });
    return next;
  }

  async createIndexes(indexes: Array<{ key: Record<string, number>; name: string; unique?: boolean; partialFilterExpression?: Doc }>) {
    for (const index of indexes) {
      if (index.unique && !this.unique.some((u) => u.name === index.name)) this.unique.push({ name: index.name, fields: Object.keys(index.key), partial: index.partialFilterExpression });
    }
    return indexes.map((index) => index.name);
  }

  find(filter: Doc, options: { sort?: Record<string, 1 | -1>; limit?: number; projection?: Doc; hint?: unknown; session?: unknown } = {}) {
    useSession(options, this, false);
    return cursor(() => find(this.docs, filter, options).map((doc) => project(doc, options.projection)));
  }

  async findOne(filter: Doc, options: { projection?: Doc; session?: unknown } = {}) {
    useSession(options, this, false);
    await pause();
    const doc = find(this.docs, filter)[0];
    return doc === undefined ? null : project(doc, options.projection);
  }

  async countDocuments(filter: Doc) {
    await pause();
    return find(this.docs, filter).length;
  }

  async insertOne(doc: Doc, options?: Doc) {
    useSession(options, this, true);
    await pause();
    this.insertNow(doc);
    return { acknowledged: true, insertedId: doc._id };
  }

  async insertMany(docs: Doc[], options: { ordered?: boolean; session?: unknown } = {}) {
    useSession(options, this, true);
    await pause();
    const writeErrors: Array<{ code: number; index: number }> = [];
    for (const [index, doc] of docs.entries()) {
      try {
        this.insertNow(doc);
      } catch (error) {
        // Ordered: stop at the first error; the documents before it stay (like MongoBulkWriteError.insertedCount).
        if (options.ordered !== false) throw Object.assign(error as Error, { insertedCount: index });
        writeErrors.push({ code: (error as { code: number }).code, index });
      }
    }
    if (writeErrors.length > 0) throw Object.assign(new Error('bulk write failed'), { code: 11000, writeErrors });
    return { acknowledged: true, insertedCount: docs.length };
  }

  private upsertNow(filter: Doc, update: Doc): void {
    const base = Object.fromEntries(Object.entries(filter).filter(([, value]) => typeof value !== 'object' || value === null));
    const doc = applyUpdate(base, update, true);
    this.insertNow(doc);
  }

  async updateOne(filter: Doc, update: Doc | Doc[], options: { upsert?: boolean; session?: unknown } = {}) {
    useSession(options, this, true);
    await pause();
    const doc = find(this.docs, filter)[0];
    if (doc === undefined) {
      if (options.upsert) {
        this.upsertNow(filter, update as Doc);
        return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1 };
      }
      return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    }
    const next = this.updateNow(doc, update);
    return { matchedCount: 1, modifiedCount: JSON.stringify(next) === JSON.stringify(doc) ? 0 : 1, upsertedCount: 0 };
  }

  async updateMany(filter: Doc, update: Doc | Doc[], options?: Doc) {
    useSession(options, this, true);
    await pause();
    const docs = find(this.docs, filter);
    for (const doc of docs) this.updateNow(doc, update);
    return { matchedCount: docs.length, modifiedCount: docs.length };
  }

  async findOneAndUpdate(filter: Doc, update: Doc | Doc[], options: { projection?: Doc; returnDocument?: 'before' | 'after'; session?: unknown } = {}) {
    useSession(options, this, true);
    await pause();
    const doc = find(this.docs, filter)[0];
    if (doc === undefined) return null;
    const next = this.updateNow(doc, update);
    return project(options.returnDocument === 'after' ? next : doc, options.projection);
  }

  async deleteOne(filter: Doc, options?: Doc) {
    useSession(options, this, true);
    await pause();
    const doc = find(this.docs, filter)[0];
    if (doc !== undefined) this.docs.splice(this.docs.indexOf(doc), 1);
    return { deletedCount: doc === undefined ? 0 : 1 };
  }

  async deleteMany(filter: Doc, options?: Doc) {
    useSession(options, this, true);
    await pause();
    const before = this.docs.length;
    this.docs = this.docs.filter((doc) => !matches(doc, filter));
    return { deletedCount: before - this.docs.length };
  }

  aggregate(pipeline: Doc[]) {
    return cursor(() => aggregate(this.docs, pipeline).map(clone));
  }

  async bulkWrite(ops: Array<Doc>, options?: Doc) {
    useSession(options, this, true);
    await pause();
    for (const op of ops) {
      const { filter, update, upsert } = (op as { updateOne?: { filter: Doc; update: Doc; upsert?: boolean } }).updateOne ?? {};
      if (filter === undefined || update === undefined) throw new Error('the fake bulkWrite takes updateOne only');
      const doc = find(this.docs, filter)[0];
      if (doc !== undefined) this.updateNow(doc, update);
      else if (upsert) this.upsertNow(filter, update);
    }
    return { acknowledged: true };
  }

  watch(pipeline: Doc[]) {
    if (!this.replicaSet) throw Object.assign(new Error('The $changeStream stage is only supported on replica sets'), { code: 40573 });
    const match = (pipeline.find((stage) => '$match' in stage)?.$match ?? {}) as Doc;
    const listeners = new Map<string, Array<(value: unknown) => void>>();
    const watcher: Watcher = { match, emit: (change) => listeners.get('change')?.forEach((listener) => listener(change)) };
    this.watchers.add(watcher);
    const stream = {
      on: (event: string, listener: (value: unknown) => void) => {
        listeners.set(event, [...(listeners.get(event) ?? []), listener]);
        return stream;
      },
      close: async () => void this.watchers.delete(watcher),
    };
    return stream;
  }
}

/** A session: transactions on it run one at a time (across the client); a throwing callback's writes are undone. */
class FakeSession {
  inTransaction = false;
  readonly touched = new Set<FakeCollection>();

  constructor(private readonly client: FakeClient) {}

  withTransaction<T>(cb: () => Promise<T>): Promise<T> {
    return this.client.serialize(async () => {
      const snapshot = new Map<FakeCollection, Doc[]>([...FakeClient.collections].map((collection) => [collection, [...collection.docs]]));
      this.touched.clear();
      this.inTransaction = true;
      try {
        const value = await cb();
        this.client.stats.committed += 1;
        return value;
      } catch (error) {
        for (const collection of this.touched) collection.docs = snapshot.get(collection) ?? [];
        this.client.stats.aborted += 1;
        throw error;
      } finally {
        this.inTransaction = false;
      }
    });
  }
}

/** A fake server: its database and the client the store may start sessions on. */
export function fakeMongo(options: { replicaSet?: boolean } = {}): { db: FakeDb; client: FakeClient } {
  return { db: new FakeDb(options.replicaSet ?? false), client: new FakeClient() };
}

/** The client half of {@link fakeMongo}. */
export class FakeClient {
  #queue: Promise<unknown> = Promise.resolve();
  /** How many transactions committed and how many were undone. */
  readonly stats = { committed: 0, aborted: 0 };
  /** Every collection of every fake database, for snapshots. */
  static readonly collections = new Set<FakeCollection>();

  async withSession<T>(fn: (session: FakeSession) => Promise<T>): Promise<T> {
    return fn(new FakeSession(this));
  }

  /** Runs `fn` after every transaction queued before it. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {}
}

/** The database half of {@link fakeMongo}. */
export class FakeDb {
  readonly databaseName = 'fake';
  readonly collections = new Map<string, FakeCollection>();

  constructor(readonly replicaSet: boolean) {}

  collection(name: string): FakeCollection {
    let collection = this.collections.get(name);
    if (collection === undefined) {
      collection = new FakeCollection(name, this.replicaSet);
      this.collections.set(name, collection);
      FakeClient.collections.add(collection);
    }
    return collection;
  }

  async command(command: Doc): Promise<Doc> {
    if (command.hello !== 1) throw new Error(`the fake answers hello only, not ${JSON.stringify(command)}`);
    return { isWritablePrimary: true, maxWireVersion: 21, ok: 1, ...(this.replicaSet ? { setName: 'rs0' } : {}) };
  }
}
