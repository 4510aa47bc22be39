/** PostgreSQL twin of ../008-root-settings.ts. */
export const rootSettings = `
ALTER TABLE roots ADD COLUMN excludes text NOT NULL DEFAULT '[]';
CREATE INDEX files_added_scan ON files(added_scan) WHERE added_scan IS NOT NULL;
`;
