/** Perceptual hashes (written by the thumbnail stage) and full-file hashes (cached by `indexer duplicates`). */
export const duplicates = `
CREATE TABLE perceptual_hashes (
  file_id   INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  identity  TEXT    NOT NULL,  -- content it was computed from: a row for an older identity is stale and ignored
  phash     TEXT    NOT NULL   -- 64-bit DCT perceptual hash, 16 hex digits (src/extract/thumbnail/phash.ts)
);

CREATE TABLE content_hashes (
  file_id   INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  size      INTEGER NOT NULL,  -- the file's size and mtime when hashed: a row that no longer matches is stale
  mtime_ms  INTEGER NOT NULL,
  sha256    TEXT    NOT NULL   -- of the whole file, hex; computed on demand to confirm identical copies
);
`;
