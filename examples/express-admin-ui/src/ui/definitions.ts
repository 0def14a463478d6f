/** Typed reads of the hub's definitions (the client returns them as `unknown[]`). */
import type { ActionDefinition, EventTypeDefinition, ScheduleDefinition, SinkTypeDefinition, SourceDefinition } from '@nexomatic/core';
import type { Api } from './api.js';

/** The definitions of each kind, as the hub stores them. */
export interface DefinitionsByKind {
  eventType: EventTypeDefinition;
  action: ActionDefinition;
  sinkType: SinkTypeDefinition;
  source: SourceDefinition;
  schedule: ScheduleDefinition;
}

/** Lists one kind of definition, sorted by name. */
export async function listDefinitions<K extends keyof DefinitionsByKind>(api: Api, kind: K): Promise<Array<DefinitionsByKind[K]>> {
  const rows = (await api.client.definitions.list(kind)) as Array<DefinitionsByKind[K]>;
  return [...rows].sort((a, b) => a.name.localeCompare(b.name));
}
