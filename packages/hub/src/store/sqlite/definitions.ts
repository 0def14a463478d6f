import { DefinitionKind, parse, type SourceDefinition } from '@nexomatic/core';
import type { DefinitionSpec, DefinitionStore } from '../port.js';
import type { Connection } from './connection.js';
import { canonicalJson, toMs } from './rows.js';

/** The definitions aggregate over SQLite, keyed `(scope, kind, name)` with the spec as JSON. */
export function sqliteDefinitions(connection: Connection): DefinitionStore {
  const get = (scope: string, kind: DefinitionKind, name: string): Promise<DefinitionSpec | null> =>
    connection.read(() => {
      const row = connection
        .statement<{ spec: string }>('SELECT spec FROM definitions WHERE scope = ? AND kind = ? AND name = ?')
        .get(scope, kind, name);
      return row === undefined ? null : (JSON.parse(row.spec) as DefinitionSpec);
    });

  return {
    upsert: (scope, kind, spec, at) =>
      connection.write(() => {
        parse(DefinitionKind, kind, 'definition kind');
        // Keys sorted, so a spec written with its keys in another order is `unchanged`.
        const text = canonicalJson(spec);
        const ms = toMs(at, 'at');
        const row = connection
          .statement<{ spec: string }>('SELECT spec FROM definitions WHERE scope = ? AND kind = ? AND name = ?')
          .get(scope, kind, spec.name);
        if (row === undefined) {
          connection
            .statement(
              'INSERT INTO definitions (scope, kind, name, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
            )
            .run(scope, kind, spec.name, text, ms, ms);
          return 'created' as const;
        }
        if (row.spec === text) return 'unchanged' as const;
        connection
          .statement('UPDATE definitions SET spec = ?, updated_at = ? WHERE scope = ? AND kind = ? AND name = ?')
          .run(text, ms, scope, kind, spec.name);
        return 'updated' as const;
      }),

    get: get as DefinitionStore['get'],

    list: (scope, kind) =>
      connection.read(() =>
        connection
          .statement<{ spec: string }>('SELECT spec FROM definitions WHERE scope = ? AND kind = ? ORDER BY name')
          .all(scope, kind)
          .map((row) => JSON.parse(row.spec) as DefinitionSpec),
      ),

    remove: (scope, kind, name) =>
      connection.write(
        () => connection.statement('DELETE FROM definitions WHERE scope = ? AND kind = ? AND name = ?').run(scope, kind, name).changes > 0,
      ),

    findSource: (token) =>
      connection.read(() => {
        // The expression and the `kind` filter match the partial index of migration 5.
        const row = connection
          .statement<{ scope: string; spec: string }>(
            "SELECT scope, spec FROM definitions WHERE kind = 'source' AND json_extract(spec, '$.token') = ?",
          )
          .get(token);
        return row === undefined ? null : { tenantId: row.scope, source: JSON.parse(row.spec) as SourceDefinition };
      }),
  };
}
