/** Phase 1 additions (owned by the scan module). */
export const scan = `
-- Scan that inserted the row: only rows added by the current scan can be the new path of a moved file,
-- since nothing has been derived from them yet.
ALTER TABLE files ADD COLUMN added_scan INTEGER;
-- Folder of the file (dirname of path): a rescan reads one folder's rows with one index range.
ALTER TABLE files ADD COLUMN dir TEXT;
CREATE INDEX files_dir ON files(dir);
-- Last scan that walked the whole root.
ALTER TABLE roots ADD COLUMN last_complete_scan INTEGER;
CREATE INDEX files_kind_state ON files(kind, state);
`;
