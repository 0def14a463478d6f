/** Schema version 7: reserved for logs and their archive (issue 8). */
export const MIGRATION_7 = `SELECT 1;`;
