/**
 * `@nexomatic/core`: the domain model of Nexomatic. Zod schemas and their types for every term of
 * the vocabulary, the definition builders, error codes, parameter helpers and the hub-to-sink wire
 * messages. No I/O.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './validate.js';
export * from './logger.js';
export * from './states.js';
export * from './names.js';
export * from './parameters.js';
export * from './policy.js';
export * from './definitions.js';
export * from './trace-context.js';
export * from './event.js';
export * from './sink.js';
export * from './log.js';
export * from './identity.js';
export * from './schedule.js';
export * from './source-definition.js';
export * from './wire.js';
export * from './source.js';
export * from './mask.js';
