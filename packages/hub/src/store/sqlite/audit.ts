import { NexomaticError, type AuditRecord, type AuditTarget, type Json } from '@nexomatic/core';
import type { AuditStore } from '../port.js';
import type { Connection } from './connection.js';
import { isoToMs, toIso, toMs } from './rows.js';

interface AuditRow {
  seq: number;
  id: string;
  tenant_id: string;
  at: number;
  actor: string;
  action: string;
  target: AuditTarget;
  name: string;
  details: string | null;
}

const APPEND = `INSERT INTO audit (id, tenant_id, at, actor, action, target, name, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

/** The opaque cursor of an audit page: the `seq` of its last record, base64url-encoded. */
function encodeCursor(seq: number): string {
  return Buffer.from(`audit:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^audit:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match === null) {
    throw new NexomaticError('VALIDATION', 'invalid audit query: cursor: not a cursor from this store', { details: { fields: ['cursor'] } });
  }
  return Number(match[1]);
}

function recordFromRow(row: AuditRow): AuditRecord {
  const record: AuditRecord = {
    id: row.id,
    tenantId: row.tenant_id,
    at: toIso(row.at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    name: row.name,
  };
  if (row.details !== null) record.details = JSON.parse(row.details) as Record<string, Json>;
  return record;
}

/**
 * The audit aggregate over SQLite: group-committed appends in call order (`seq`), never updated
 * or deleted (triggers refuse both); queries newest first with a cursor, on the tenant indexes.
 */
export function sqliteAudit(connection: Connection): AuditStore {
  return {
    append: (records) =>
      connection.batch(() => {
        const statement = connection.statement(APPEND);
        for (const r of records) {
          statement.run(r.id, r.tenantId, isoToMs(r.at, 'at'), r.actor, r.action, r.target, r.name, r.details === undefined ? null : JSON.stringify(r.details));
        }
      }),

    query: (tenantId, query) =>
      connection.read(() => {
        const where = ['tenant_id = ?'];
        const params: unknown[] = [tenantId];
        const add = (clause: string, value: unknown) => {
          where.push(clause);
          params.push(value);
        };
        if (query.target !== undefined) add('target = ?', query.target);
        if (query.from !== undefined) add('at >= ?', toMs(query.from, 'from'));
        if (query.to !== undefined) add('at < ?', toMs(query.to, 'to'));
        if (query.cursor !== undefined) add('seq < ?', decodeCursor(query.cursor));
        const sql = `SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`;
        const rows = connection.statement<AuditRow>(sql).all(...params, query.limit + 1);
        const more = rows.length > query.limit;
        const page = more ? rows.slice(0, query.limit) : rows;
        return { items: page.map(recordFromRow), nextCursor: more ? encodeCursor(page[page.length - 1]!.seq) : null };
      }),
  };
}
