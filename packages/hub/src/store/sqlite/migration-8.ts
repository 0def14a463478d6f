/**
 * Schema version 8: the W3C trace context an event was created in (`traceparent` and
 * `tracestate`, as JSON), so its dispatch, run and follow-ons join the same trace. Null for events
 * with none (and every event stored before this version).
 */
export const MIGRATION_8 = `
  ALTER TABLE events ADD COLUMN trace_context TEXT;
`;
