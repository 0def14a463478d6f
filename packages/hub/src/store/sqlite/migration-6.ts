/** Schema version 6: reserved for the scheduler's Agenda jobs (issue 6). */
export const MIGRATION_6 = `SELECT 1;`;
