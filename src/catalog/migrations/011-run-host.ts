/**
 * The host a run started on, beside its pid: with a shared (PostgreSQL) catalog, runs of many machines hold tasks,
 * and a pid can only be checked on its own host. Null for runs recorded before this migration (they ran on the
 * catalog's own machine, so recovery treats them as local).
 */
export const runHost = `
ALTER TABLE runs ADD COLUMN host TEXT;
`;
