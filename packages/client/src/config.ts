/**
 * Definitions in code: the shape of a `nexomatic.config.ts` file, and how it becomes what the hub
 * applies and what types the client's `fire`. Browser-safe (no I/O): loading a file is in
 * `@nexomatic/client/node`.
 */
import {
  parse,
  type ActionInput,
  type DefinitionsInput,
  type EventTypeInput,
  type JsonObject,
  type ScheduleInput,
  type SinkTypeInput,
  type SourceInput,
  type TypedEventType,
} from '@nexomatic/core';
import type { z } from 'zod';

/** An Event Type in a config: typed by `defineEventType`, or a plain definition (its payload untyped). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ConfigEventType = TypedEventType<string, any, any> | EventTypeInput;

/**
 * The definitions of a `nexomatic.config.ts`: what `nexomatic definitions apply` syncs to the hub
 * and what `createClient({ definitions })` takes its types from.
 */
export interface NexomaticConfig {
  sinkTypes?: readonly SinkTypeInput[];
  actions?: readonly ActionInput[];
  eventTypes?: readonly ConfigEventType[];
  sources?: readonly SourceInput[];
  schedules?: readonly ScheduleInput[];
}

/** True when an Event Type of a config was made by `defineEventType` (it carries its payload schema). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isTypedEventType(value: ConfigEventType): value is TypedEventType<string, any, any> {
  return typeof value === 'object' && value !== null && 'definition' in value && 'payload' in value;
}

/** The payload type (as a caller passes it: fields with defaults optional) of each typed Event Type of a config, by name. */
export type PayloadMap<C> = C extends { eventTypes: ReadonlyArray<infer E> }
  ? { [T in E as T extends TypedEventType<infer N, unknown, unknown> ? N : never]: T extends { payload: z.ZodType<unknown, infer I> } ? I : never }
  : // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    {};

/** The payload `fire` takes for Event Type `N`: typed when the config types it, else any JSON object (checked by the hub). */
export type PayloadOf<M, N extends string> = N extends keyof M ? M[N] : Record<string, unknown>;

/**
 * Declares the definitions of a config file, keeping their literal types so that a client created
 * with them types `fire`.
 *
 * @example
 * ```ts
 * // nexomatic.config.ts
 * export default defineConfig({ sinkTypes: [base], actions: [transform], eventTypes: [orderPlaced] });
 * ```
 */
export function defineConfig<const C extends NexomaticConfig>(config: C): C {
  return config;
}

/** The definitions a config holds, as the hub's `definitions.apply` / `diff` take them. */
export function toDefinitions(config: NexomaticConfig): DefinitionsInput {
  return {
    sinkTypes: [...(config.sinkTypes ?? [])],
    actions: [...(config.actions ?? [])],
    eventTypes: (config.eventTypes ?? []).map((e) => (isTypedEventType(e) ? e.definition : e)),
    sources: [...(config.sources ?? [])],
    schedules: [...(config.schedules ?? [])],
  };
}

/** The payload schema of every typed Event Type of a config, by name. */
export function payloadSchemas(config: NexomaticConfig | undefined): Map<string, z.ZodType> {
  const schemas = new Map<string, z.ZodType>();
  for (const e of config?.eventTypes ?? []) if (isTypedEventType(e)) schemas.set(e.name, e.payload);
  return schemas;
}

/**
 * Checks a payload against its Event Type's schema (when the config types it) and returns the parsed
 * payload; throws a `VALIDATION` error naming the field, e.g. `invalid payload of orders.placed: total: ...`.
 */
export function checkPayload(schemas: ReadonlyMap<string, z.ZodType>, eventType: string, payload: unknown): JsonObject {
  const schema = schemas.get(eventType);
  if (!schema) return (payload ?? {}) as JsonObject;
  return parse(schema, payload, `payload of ${eventType}`) as JsonObject;
}
