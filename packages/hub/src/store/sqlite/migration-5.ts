/**
 * Schema version 5: Sources. A Source's URL token (`spec.token`) is unique across tenants and
 * indexed, so a webhook request finds its Source without a scan.
 */
export const MIGRATION_5 = `
  CREATE UNIQUE INDEX definitions_source_token ON definitions (json_extract(spec, '$.token'))
    WHERE kind = 'source';
`;
