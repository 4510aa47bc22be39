/** Phase 1 additions (owned by the scan module). */
export const scan = `
-- Scan that inserted the row: only rows added by the current scan can be the new path of a moved file,
-- since nothing has been derived from them yet.
ALTER TABLE files ADD COLUMN added_scan INTEGER;
-- Last scan that walked the whole root (with files(seen_scan), the mark and sweep of deletions).
ALTER TABLE roots ADD COLUMN last_complete_scan INTEGER;
CREATE INDEX files_kind_state ON files(kind, state);
`;
