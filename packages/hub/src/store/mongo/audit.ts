import { ObjectId, type Filter } from 'mongodb';
import type { AuditRecord, AuditTarget, Json } from '@nexomatic/core';
import type { AuditQuery, AuditStore } from '../port.js';
import type { MongoConnection } from './connection.js';
import { isoToDate, validDate } from './documents.js';
import { decodeCursor, encodeCursor } from './event-queries.js';

/** An audit record as stored; `seq` orders appends, `details` is JSON text. */
export interface AuditDoc {
  _id: string;
  seq: ObjectId;
  tenantId: string;
  at: Date;
  actor: string;
  action: string;
  target: AuditTarget;
  name: string;
  details: string | null;
}

/** The document of an audit record; `seq` is taken in call order. */
export function auditDoc(record: AuditRecord, seq: ObjectId = new ObjectId()): AuditDoc {
  return {
    _id: record.id,
    seq,
    tenantId: record.tenantId,
    at: isoToDate(record.at, 'at'),
    actor: record.actor,
    action: record.action,
    target: record.target,
    name: record.name,
    details: record.details === undefined ? null : JSON.stringify(record.details),
  };
}

/** The filter of an audit query, newest first on `audit_tenant` or `audit_tenant_target`. */
export function auditFilter(tenantId: string, query: AuditQuery): Filter<AuditDoc> {
  const filter: Filter<AuditDoc> = { tenantId };
  if (query.target !== undefined) filter.target = query.target;
  if (query.from !== undefined || query.to !== undefined) {
    filter.at = {
      ...(query.from === undefined ? {} : { $gte: validDate(query.from, 'from') }),
      ...(query.to === undefined ? {} : { $lt: validDate(query.to, 'to') }),
    };
  }
  if (query.cursor !== undefined) filter.seq = { $lt: decodeCursor(query.cursor, 'audit', 'audit query') };
  return filter;
}

function recordFromDoc(doc: AuditDoc): AuditRecord {
  const record: AuditRecord = { id: doc._id, tenantId: doc.tenantId, at: doc.at.toISOString(), actor: doc.actor, action: doc.action, target: doc.target, name: doc.name };
  if (doc.details !== null) record.details = JSON.parse(doc.details) as Record<string, Json>;
  return record;
}

/** The audit aggregate over MongoDB: appends only (nothing here updates or deletes), queries newest first with a cursor. */
export function mongoAudit(connection: MongoConnection): AuditStore {
  const audit = connection.collection<AuditDoc>('audit');
  return {
    append: (records) =>
      connection.run(async () => {
        if (records.length === 0) return;
        await audit.insertMany(records.map((record) => auditDoc(record)), { ordered: true });
      }),
    query: (tenantId, query) =>
      connection.run(async () => {
        const docs = await audit.find(auditFilter(tenantId, query), { sort: { seq: -1 }, limit: query.limit + 1 }).toArray();
        const more = docs.length > query.limit;
        const page = more ? docs.slice(0, query.limit) : docs;
        return { items: page.map(recordFromDoc), nextCursor: more ? encodeCursor(page.at(-1)!.seq, 'audit') : null };
      }),
  };
}
