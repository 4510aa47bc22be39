/** PostgreSQL twin of ../007-move-lookup.ts. */
export const moveLookup = `
DROP INDEX IF EXISTS files_identity;
CREATE INDEX files_identity_added ON files(identity, added_scan) WHERE identity IS NOT NULL;
`;
