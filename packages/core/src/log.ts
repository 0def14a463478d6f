import { z } from 'zod';
import { JsonObject } from './names.js';

/** Level of a structured log record. */
export const LogLevel = z.enum(['debug', 'info', 'warning', 'error']);
/** Level of a structured log record. */
export type LogLevel = z.infer<typeof LogLevel>;

/**
 * One Log record of a task: a structured record written by the module (`stream: 'log'`) or a line
 * of its raw output (`stream: 'stdout' | 'stderr'`).
 */
export const LogRecord = z.object({
  eventId: z.string(),
  attempt: z.number().int().min(1),
  /** Order of the record within its task attempt, from 0. */
  seq: z.number().int().min(0),
  time: z.iso.datetime(),
  stream: z.enum(['log', 'stdout', 'stderr']),
  level: LogLevel,
  message: z.string().max(64 * 1024),
  fields: JsonObject.optional(),
});
/** One Log record of a task. */
export type LogRecord = z.infer<typeof LogRecord>;
