/** PostgreSQL twin of ../002-scan.ts. */
export const scan = `
ALTER TABLE files ADD COLUMN added_scan bigint;
ALTER TABLE files ADD COLUMN dir text;
CREATE INDEX files_dir ON files(dir);
ALTER TABLE roots ADD COLUMN last_complete_scan bigint;
CREATE INDEX files_kind_state ON files(kind, state);
`;
