/**
 * Folder digests (owned by the scan module): a rescan skips reading the catalog rows of a folder whose listing
 * (names and stat of its media and sidecars, hashed) is what it was when its rows last matched the disk.
 *
 * The triggers keep one promise: a digest row exists only while no row of its folder has changed since the digest
 * was written. Any insert, delete or change of what the scan compares (path, root, state, stat, sidecar) drops the
 * folder's digest, whichever code path makes it, so a stale digest can never hide a change (an offline root, a
 * soft delete, a move). The scan writes a digest only after the folder's rows are written.
 */
export const folderDigests = `
CREATE TABLE folder_digests (
  dir     TEXT PRIMARY KEY, -- absolute folder path (files.dir)
  digest  TEXT NOT NULL     -- hash of the walk's settings, the root and the folder's listing (src/scan/stat-batch.ts)
) WITHOUT ROWID;

CREATE TRIGGER folder_digests_insert AFTER INSERT ON files BEGIN
  DELETE FROM folder_digests WHERE dir = NEW.dir;
END;
CREATE TRIGGER folder_digests_delete AFTER DELETE ON files BEGIN
  DELETE FROM folder_digests WHERE dir = OLD.dir;
END;
CREATE TRIGGER folder_digests_update
AFTER UPDATE OF root_id, path, dir, state, size, mtime_ms, ino, dev, sidecar_path, sidecar_size, sidecar_mtime_ms ON files
BEGIN
  DELETE FROM folder_digests WHERE dir IN (OLD.dir, NEW.dir);
END;
`;
