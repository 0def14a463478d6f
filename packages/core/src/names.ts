import { z } from 'zod';

/** Name of an Event Type or Action: letters, digits and `._-:`, starting with a letter. */
export const DefinitionName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z][A-Za-z0-9._:-]*$/, 'must start with a letter and hold only letters, digits and . _ - :');

/** A module import path, e.g. `my_module.runner` or `orders.process`. */
export const ModulePath = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/, 'must be a dotted import path like my_module.runner');

/** Name of a Sink Type, used as the sink's `CLIENT_ID`, e.g. `LOCAL:BASE`. */
export const SinkTypeName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must hold only letters, digits and . _ - :');

/** A UUID, the id of every record. */
export const Uuid = z.uuid();

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON value (validated). */
export const JsonValue: z.ZodType<Json> = z.json() as z.ZodType<Json>;

/** A JSON object, the shape of every payload. */
export const JsonObject = z.record(z.string(), JsonValue);
/** A JSON object. */
export type JsonObject = Record<string, Json>;
