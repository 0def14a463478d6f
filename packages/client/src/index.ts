/**
 * `@nexomatic/client`: the typed client other services use to fire events and read outcomes.
 *
 * @packageDocumentation
 */
export { createClient, ClientOptions, type Client } from './client.js';
export { toNexomaticError } from './errors.js';
