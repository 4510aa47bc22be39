/** Roots, files and scans: phase 1 of the indexer. */
export const base = `
CREATE TABLE roots (
  id            INTEGER PRIMARY KEY,
  path          TEXT    NOT NULL UNIQUE,   -- absolute path as given (resolved)
  added_at      INTEGER NOT NULL,          -- ms since epoch
  last_scan_at  INTEGER,                   -- ms; last complete walk
  online        INTEGER NOT NULL DEFAULT 1 -- 0 while the root is missing or unreadable
);

CREATE TABLE files (
  id                INTEGER PRIMARY KEY,
  root_id           INTEGER NOT NULL REFERENCES roots(id),
  path              TEXT    NOT NULL UNIQUE, -- absolute path
  kind              TEXT    NOT NULL,        -- image | raw | video
  ext               TEXT    NOT NULL,        -- lower-case, no dot
  size              INTEGER NOT NULL,
  mtime_ms          INTEGER NOT NULL,
  ino               TEXT    NOT NULL,        -- text: inodes can exceed 2^53
  dev               INTEGER NOT NULL,
  identity          TEXT,                    -- size + hash(first 64 KiB, last 64 KiB)
  state             TEXT    NOT NULL DEFAULT 'present', -- present | offline | deleted
  first_seen        INTEGER NOT NULL,
  last_seen         INTEGER NOT NULL,
  deleted_at        INTEGER,
  sidecar_path      TEXT,
  sidecar_size      INTEGER,
  sidecar_mtime_ms  INTEGER,
  seen_scan         INTEGER                  -- id of the last scan whose walk saw this file (mark and sweep)
);
CREATE INDEX files_root_state ON files(root_id, state);
CREATE INDEX files_identity ON files(identity) WHERE identity IS NOT NULL;

CREATE TABLE scans (
  id          INTEGER PRIMARY KEY,
  started_at  INTEGER NOT NULL,
  ended_at    INTEGER,
  outcome     TEXT    NOT NULL DEFAULT 'running', -- running | complete | interrupted | failed
  roots       TEXT    NOT NULL DEFAULT '[]',      -- JSON array of root paths
  new         INTEGER NOT NULL DEFAULT 0,
  modified    INTEGER NOT NULL DEFAULT 0,
  moved       INTEGER NOT NULL DEFAULT 0,
  deleted     INTEGER NOT NULL DEFAULT 0,
  unchanged   INTEGER NOT NULL DEFAULT 0,
  offline     INTEGER NOT NULL DEFAULT 0,
  settling    INTEGER NOT NULL DEFAULT 0,
  errors      INTEGER NOT NULL DEFAULT 0,
  note        TEXT
);
`;
