/** Schema version 8: reserved for trace context on events (issue 8, traces). */
export const MIGRATION_8 = `SELECT 1;`;
