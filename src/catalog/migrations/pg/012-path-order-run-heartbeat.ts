/**
 * PostgreSQL twin of ../012-path-order-run-heartbeat.ts: the path columns compare byte by byte (COLLATE "C", as
 * SQLite's BINARY) whatever the database's default collation, and runs.heartbeat_at. A column named in a trigger's
 * UPDATE OF list cannot change its collation: folder_digests_update is dropped and made again as 006 made it.
 * Changing only the collation of text leaves the rows as they are; the indexes on those columns are rebuilt.
 */
export const pathOrderRunHeartbeat = `
DROP TRIGGER folder_digests_update ON files;
ALTER TABLE roots ALTER COLUMN path TYPE text COLLATE "C";
ALTER TABLE files
  ALTER COLUMN path TYPE text COLLATE "C",
  ALTER COLUMN dir TYPE text COLLATE "C",
  ALTER COLUMN sidecar_path TYPE text COLLATE "C";
ALTER TABLE folder_digests ALTER COLUMN dir TYPE text COLLATE "C";
CREATE TRIGGER folder_digests_update
AFTER UPDATE OF root_id, path, dir, state, size, mtime_ms, ino, dev, sidecar_path, sidecar_size, sidecar_mtime_ms ON files
FOR EACH ROW EXECUTE FUNCTION folder_digests_update();
ALTER TABLE runs ADD COLUMN heartbeat_at bigint;
`;
