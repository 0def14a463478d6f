import { z } from 'zod';
import { DefinitionName, ModulePath, SinkTypeName } from './names.js';
import { Parameter } from './parameters.js';
import { Runtime, SourceType } from './states.js';
import { parse } from './validate.js';
import { Limits, RetryPolicy } from './policy.js';
import { ScheduleDefinition } from './schedule.js';
import { SourceDefinition } from './source-definition.js';

/**
 * An Action: the reusable code binding an Event Type runs.
 *
 * `module` is the import path resolved by the sink (`my_module.runner`); `onSuccess` / `onFailure`
 * name the Event Type to chain to.
 */
export const ActionDefinition = z.object({
  name: DefinitionName,
  module: ModulePath,
  onSuccess: DefinitionName.optional(),
  onFailure: DefinitionName.optional(),
  parameters: z.array(Parameter).default([]),
  description: z.string().max(2000).optional(),
});
/** An Action as stored (defaults applied). */
export type ActionDefinition = z.output<typeof ActionDefinition>;
/** An Action as written in code. */
export type ActionInput = z.input<typeof ActionDefinition>;


/**
 * An Event Type: the named template an event is fired against. It fixes which Sink Type runs it,
 * which Source Types may fire it, which Action runs, and its Parameters.
 */
export const EventTypeDefinition = z.object({
  name: DefinitionName,
  sinkType: SinkTypeName,
  action: DefinitionName,
  sourceTypes: z.array(SourceType).min(1).default(['client', 'webhook', 'scheduler', 'eventgrid', 'custom']),
  parameters: z.array(Parameter).default([]),
  /** Higher runs first. @default 0 */
  priority: z.number().int().min(-1000).max(1000).default(0),
  retry: RetryPolicy.default(RetryPolicy.parse({})),
  /** Longest a task may run; the sink kills it and the event ends `ERROR` with code `TIMEOUT`. @default 600000 */
  timeoutMs: z.number().int().min(100).max(7 * 86_400_000).default(600_000),
  /** Queue depth, concurrency and rate limits of this Event Type. */
  limits: Limits.default({}),
  description: z.string().max(2000).optional(),
});
/** An Event Type as stored (defaults applied). */
export type EventTypeDefinition = z.output<typeof EventTypeDefinition>;
/** An Event Type as written in code. */
export type EventTypeInput = z.input<typeof EventTypeDefinition>;

/** A Sink Type: the kind of agent (its `CLIENT_ID`), which fixes runtimes and allowed modules. */
export const SinkTypeDefinition = z.object({
  name: SinkTypeName,
  runtimes: z.array(Runtime).min(1).default(['node']),
  /** Module import paths sinks of this type may run; empty means any. @default [] */
  modules: z.array(ModulePath).default([]),
  /** The `@nexomatic/sink` version sinks of this type should run; sinks started with `--auto-update` install it. */
  sinkVersion: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'must be a semver version like 1.2.3').optional(),
  description: z.string().max(2000).optional(),
});
/** A Sink Type as stored. */
export type SinkTypeDefinition = z.output<typeof SinkTypeDefinition>;
/** A Sink Type as written in code. */
export type SinkTypeInput = z.input<typeof SinkTypeDefinition>;

/** A set of definitions to apply to a hub in one go (`hub.apply`). */
export const Definitions = z.object({
  sinkTypes: z.array(SinkTypeDefinition).default([]),
  actions: z.array(ActionDefinition).default([]),
  eventTypes: z.array(EventTypeDefinition).default([]),
  sources: z.array(SourceDefinition).default([]),
  schedules: z.array(ScheduleDefinition).default([]),
});
/** Definitions as written in code. */
export type DefinitionsInput = z.input<typeof Definitions>;
/** Definitions with defaults applied. */
export type Definitions = z.output<typeof Definitions>;

/** The kinds of definition a hub stores. */
export const DefinitionKind = z.enum(['eventType', 'action', 'sinkType', 'source', 'schedule']);
/** A kind of definition. */
export type DefinitionKind = z.infer<typeof DefinitionKind>;

/**
 * An Event Type defined in code, carrying the payload's zod schema so that firing it is typed.
 * `definition` is what the hub stores; `payload` validates and types what is fired (`Input` is what
 * a caller passes, e.g. without the fields that have defaults; `Payload` what the schema makes of it).
 */
export interface TypedEventType<Name extends string, Payload, Input = Payload> {
  readonly name: Name;
  readonly payload: z.ZodType<Payload, Input>;
  readonly definition: EventTypeDefinition;
}

/**
 * Defines an Event Type in code, typed by its payload schema.
 *
 * @example
 * ```ts
 * const orderPlaced = defineEventType({
 *   name: 'orders.placed', sinkType: 'LOCAL:BASE', action: 'orders.transform',
 *   payload: z.object({ orderId: z.string(), total: z.number() }),
 * });
 * ```
 */
export function defineEventType<const Name extends string, S extends z.ZodType<Record<string, unknown>>>(
  input: Omit<EventTypeInput, 'name'> & { name: Name; payload: S },
): TypedEventType<Name, z.output<S>, z.input<S>> {
  const { payload, ...rest } = input;
  const definition = parse(EventTypeDefinition, rest, `Event Type ${String(input.name)}`);
  return { name: input.name, payload: payload as unknown as z.ZodType<z.output<S>, z.input<S>>, definition };
}

/** Defines an Action in code; throws a `VALIDATION` error naming the field when it is malformed. */
export function defineAction(input: ActionInput): ActionDefinition {
  return parse(ActionDefinition, input, `Action ${String(input.name)}`);
}

/** Defines a Sink Type in code; throws a `VALIDATION` error naming the field when it is malformed. */
export function defineSinkType(input: SinkTypeInput): SinkTypeDefinition {
  return parse(SinkTypeDefinition, input, `Sink Type ${String(input.name)}`);
}

/** A Schedule as written in code (defaults may be left out). */
export type ScheduleInput = z.input<typeof ScheduleDefinition>;

/**
 * Defines a Schedule in code; throws a `VALIDATION` error naming the field when it is malformed
 * (a cron expression names the field of it that is wrong), when the config is loaded.
 */
export function defineSchedule(input: ScheduleInput): ScheduleDefinition {
  return parse(ScheduleDefinition, input, `Schedule ${String(input.name)}`);
}
