import type { SinkRecord } from '@nexomatic/core';
import type { SinkStore } from '../port.js';
import type { Connection } from './connection.js';
import { isoToMs, toIso, toMs } from './rows.js';

interface SinkRow {
  id: string;
  name: string;
  sink_type: string;
  tenant_id: string | null;
  status: SinkRecord['status'];
  version: string;
  runtimes: string;
  modules: string;
  concurrency: number;
  connected_at: number;
  last_seen_at: number;
}

const UPSERT = `INSERT INTO sinks
  (id, name, sink_type, tenant_id, status, version, runtimes, modules, concurrency, connected_at, last_seen_at)
  VALUES (@id, @name, @sink_type, @tenant_id, @status, @version, @runtimes, @modules, @concurrency,
          @connected_at, @last_seen_at)
  ON CONFLICT (id) DO UPDATE SET
    name = excluded.name, sink_type = excluded.sink_type, tenant_id = excluded.tenant_id,
    status = excluded.status, version = excluded.version, runtimes = excluded.runtimes,
    modules = excluded.modules, concurrency = excluded.concurrency,
    connected_at = excluded.connected_at, last_seen_at = excluded.last_seen_at`;

function sinkFromRow(row: SinkRow): SinkRecord {
  return {
    id: row.id,
    name: row.name,
    sinkType: row.sink_type,
    tenantId: row.tenant_id,
    status: row.status,
    version: row.version,
    runtimes: JSON.parse(row.runtimes) as SinkRecord['runtimes'],
    modules: JSON.parse(row.modules) as string[],
    concurrency: row.concurrency,
    connectedAt: toIso(row.connected_at),
    lastSeenAt: toIso(row.last_seen_at),
  };
}

/** The sinks aggregate over SQLite. */
export function sqliteSinks(connection: Connection): SinkStore {
  return {
    upsert: (sink) =>
      connection.write(() => {
        connection.statement(UPSERT).run({
          id: sink.id,
          name: sink.name,
          sink_type: sink.sinkType,
          tenant_id: sink.tenantId,
          status: sink.status,
          version: sink.version,
          runtimes: JSON.stringify(sink.runtimes),
          modules: JSON.stringify(sink.modules),
          concurrency: sink.concurrency,
          connected_at: isoToMs(sink.connectedAt, 'connectedAt'),
          last_seen_at: isoToMs(sink.lastSeenAt, 'lastSeenAt'),
        });
      }),

    /** Sets the status and `lastSeenAt`; an unknown sink is left alone. */
    setStatus: (id, status, at) =>
      connection.write(() => {
        connection.statement('UPDATE sinks SET status = ?, last_seen_at = ? WHERE id = ?').run(status, toMs(at, 'at'), id);
      }),

    touch: (id, at) =>
      connection.write(() => {
        connection.statement('UPDATE sinks SET last_seen_at = ? WHERE id = ?').run(toMs(at, 'at'), id);
      }),

    get: (id) =>
      connection.read(() => {
        const row = connection.statement<SinkRow>('SELECT * FROM sinks WHERE id = ?').get(id);
        return row === undefined ? null : sinkFromRow(row);
      }),

    list: (tenantId) =>
      connection.read(() =>
        connection
          .statement<SinkRow>('SELECT * FROM sinks WHERE tenant_id = ? OR tenant_id IS NULL ORDER BY name, id')
          .all(tenantId)
          .map(sinkFromRow),
      ),
  };
}
