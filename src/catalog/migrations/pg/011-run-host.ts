/** PostgreSQL twin of ../011-run-host.ts (the host a run started on, beside its pid). */
export const runHost = `
ALTER TABLE runs ADD COLUMN host text;
`;
