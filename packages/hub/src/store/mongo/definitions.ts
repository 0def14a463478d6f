import { DefinitionKind, parse, type SourceDefinition } from '@nexomatic/core';
import type { Filter, UpdateFilter } from 'mongodb';
import type { DefinitionSpec, DefinitionStore } from '../port.js';
import type { MongoConnection } from './connection.js';
import { canonicalJson, validDate } from './documents.js';

/**
 * A definition as stored: keyed by scope, kind and name, the spec as canonical JSON text (keys
 * sorted, so a spec written with its keys in another order is `unchanged`). A Source's token is
 * copied to `sourceToken`, which has a unique index.
 */
export interface DefinitionDoc {
  _id: string;
  scope: string;
  kind: DefinitionKind;
  name: string;
  spec: string;
  sourceToken?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The `_id` of a definition: its scope, kind and name as a JSON array. */
export function definitionId(scope: string, kind: string, name: string): string {
  return JSON.stringify([scope, kind, name]);
}

/** The lookup of a Source by token; it states the unique index's partial filter literally. */
export function sourceTokenFilter(token: string): Filter<DefinitionDoc> {
  return { sourceToken: { $type: 'string', $eq: token }, kind: 'source' };
}

/**
 * The upsert of a definition: its `_id`, its canonical text (compared for `unchanged`) and the
 * update that writes it, setting `createdAt` only on insert and keeping `sourceToken` in step
 * with a Source's token.
 */
export function definitionWrite(
  scope: string,
  kind: DefinitionKind,
  spec: DefinitionSpec,
  at: Date,
): { _id: string; text: string; update: UpdateFilter<DefinitionDoc> } {
  const text = canonicalJson(spec);
  const when = validDate(at, 'at');
  const token = kind === 'source' ? (spec as SourceDefinition).token : undefined;
  return {
    _id: definitionId(scope, kind, spec.name),
    text,
    update: {
      $set: { scope, kind, name: spec.name, spec: text, updatedAt: when, ...(token === undefined ? {} : { sourceToken: token }) },
      $setOnInsert: { createdAt: when },
      ...(token === undefined ? { $unset: { sourceToken: '' } } : {}),
    },
  };
}

/** The definitions aggregate over MongoDB. */
export function mongoDefinitions(connection: MongoConnection): DefinitionStore {
  const definitions = connection.collection<DefinitionDoc>('definitions');

  const get = (scope: string, kind: DefinitionKind, name: string): Promise<DefinitionSpec | null> =>
    connection.run(async () => {
      const doc = await definitions.findOne({ _id: definitionId(scope, kind, name) });
      return doc === null ? null : (JSON.parse(doc.spec) as DefinitionSpec);
    });

  return {
    upsert: (scope, kind, spec, at) =>
      connection.run(async () => {
        parse(DefinitionKind, kind, 'definition kind');
        const { _id, text, update } = definitionWrite(scope, kind, spec, at);
        const existing = await definitions.findOne({ _id }, { projection: { spec: 1 } });
        if (existing !== null && existing.spec === text) return 'unchanged' as const;
        const result = await definitions.updateOne({ _id }, update, { upsert: true });
        return result.upsertedCount === 1 ? ('created' as const) : ('updated' as const);
      }),

    get: get as DefinitionStore['get'],

    list: (scope, kind) =>
      connection.run(async () =>
        (await definitions.find({ scope, kind }, { sort: { name: 1 } }).toArray()).map((doc) => JSON.parse(doc.spec) as DefinitionSpec),
      ),

    remove: (scope, kind, name) =>
      connection.run(async () => (await definitions.deleteOne({ _id: definitionId(scope, kind, name) })).deletedCount === 1),

    findSource: (token) =>
      connection.run(async () => {
        const doc = await definitions.findOne(sourceTokenFilter(token));
        return doc === null ? null : { tenantId: doc.scope, source: JSON.parse(doc.spec) as SourceDefinition };
      }),
  };
}
