/**
 * Roots remember their excludes, and new rows are found by the scan that added them (owned by the scan module).
 *
 * - roots.excludes: the user's --exclude globs for this root (JSON array). A plain `indexer scan` (the cron form)
 *   walks each root with the excludes it was last given, so an exclude never turns into "deleted" on one run and
 *   "new" on the next.
 * - files_added_scan: after the sweep, the rows a scan added are matched by identity against files of roots that are
 *   gone or offline (a renamed or moved root); the index makes "rows added by this scan" one range read.
 */
export const rootSettings = `
ALTER TABLE roots ADD COLUMN excludes TEXT NOT NULL DEFAULT '[]';
CREATE INDEX files_added_scan ON files(added_scan) WHERE added_scan IS NOT NULL;
`;
