import type { Filter } from 'mongodb';
import type { SinkRecord } from '@nexomatic/core';
import type { SinkStore } from '../port.js';
import type { MongoConnection } from './connection.js';
import { isoToDate, validDate } from './documents.js';

/** A sink as stored, keyed by its id, times as Dates. */
export interface SinkDoc {
  _id: string;
  name: string;
  sinkType: string;
  tenantId: string | null;
  status: SinkRecord['status'];
  version: string;
  runtimes: SinkRecord['runtimes'];
  modules: string[];
  concurrency: number;
  connectedAt: Date;
  lastSeenAt: Date;
}

/** The document of a sink record. */
export function sinkDoc(sink: SinkRecord): SinkDoc {
  return {
    _id: sink.id,
    name: sink.name,
    sinkType: sink.sinkType,
    tenantId: sink.tenantId,
    status: sink.status,
    version: sink.version,
    runtimes: [...sink.runtimes],
    modules: [...sink.modules],
    concurrency: sink.concurrency,
    connectedAt: isoToDate(sink.connectedAt, 'connectedAt'),
    lastSeenAt: isoToDate(sink.lastSeenAt, 'lastSeenAt'),
  };
}

function sinkFromDoc(doc: SinkDoc): SinkRecord {
  return {
    id: doc._id,
    name: doc.name,
    sinkType: doc.sinkType,
    tenantId: doc.tenantId,
    status: doc.status,
    version: doc.version,
    runtimes: doc.runtimes,
    modules: doc.modules,
    concurrency: doc.concurrency,
    connectedAt: doc.connectedAt.toISOString(),
    lastSeenAt: doc.lastSeenAt.toISOString(),
  };
}

/** The sinks a tenant sees: pinned to it, or serving every tenant (`$in` with null, no `$or`). */
export function visibleSinksFilter(tenantId: string): Filter<SinkDoc> {
  return { tenantId: { $in: [tenantId, null] } };
}

/** The sinks aggregate over MongoDB. */
export function mongoSinks(connection: MongoConnection): SinkStore {
  const sinks = connection.collection<SinkDoc>('sinks');
  return {
    upsert: (sink) =>
      connection.run(async () => {
        const { _id, ...fields } = sinkDoc(sink);
        await sinks.updateOne({ _id }, { $set: fields }, { upsert: true });
      }),

    /** Sets the status and `lastSeenAt`; an unknown sink is left alone. */
    setStatus: (id, status, at) =>
      connection.run(async () => {
        await sinks.updateOne({ _id: id }, { $set: { status, lastSeenAt: validDate(at, 'at') } });
      }),

    touch: (id, at) =>
      connection.run(async () => {
        await sinks.updateOne({ _id: id }, { $set: { lastSeenAt: validDate(at, 'at') } });
      }),

    get: (id) =>
      connection.run(async () => {
        const doc = await sinks.findOne({ _id: id });
        return doc === null ? null : sinkFromDoc(doc);
      }),

    list: (tenantId) =>
      connection.run(async () => (await sinks.find(visibleSinksFilter(tenantId), { sort: { name: 1, _id: 1 } }).toArray()).map(sinkFromDoc)),
  };
}
