/** PostgreSQL twin of ../006-folder-digests.ts (the promise the triggers keep is written there). */
export const folderDigests = `
CREATE TABLE folder_digests (
  dir     text PRIMARY KEY,
  digest  text NOT NULL
);

CREATE FUNCTION folder_digests_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM folder_digests WHERE dir = NEW.dir;
  RETURN NULL;
END $$;
CREATE TRIGGER folder_digests_insert AFTER INSERT ON files FOR EACH ROW EXECUTE FUNCTION folder_digests_insert();

CREATE FUNCTION folder_digests_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM folder_digests WHERE dir = OLD.dir;
  RETURN NULL;
END $$;
CREATE TRIGGER folder_digests_delete AFTER DELETE ON files FOR EACH ROW EXECUTE FUNCTION folder_digests_delete();

CREATE FUNCTION folder_digests_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM folder_digests WHERE dir IN (OLD.dir, NEW.dir);
  RETURN NULL;
END $$;
CREATE TRIGGER folder_digests_update
AFTER UPDATE OF root_id, path, dir, state, size, mtime_ms, ino, dev, sidecar_path, sidecar_size, sidecar_mtime_ms ON files
FOR EACH ROW EXECUTE FUNCTION folder_digests_update();
`;
