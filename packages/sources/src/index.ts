/**
 * `@nexomatic/sources`: turn the outside world into events. Each source plugs into the hub
 * through a {@link SourceContext}.
 *
 * @packageDocumentation
 */
export type { SourceContext } from '@nexomatic/core';
export { defineSource, type CustomSource, type StopSource } from './custom.js';
