/** Thumbnails, EXIF and XMP results (owned by the stages). */
export const metadata = `
CREATE TABLE thumbnails (
  file_id       INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  identity      TEXT    NOT NULL,  -- cache paths derive from it, so a moved file keeps its thumbnails
  thumb_path    TEXT    NOT NULL,
  preview_path  TEXT    NOT NULL,
  width         INTEGER NOT NULL,  -- oriented pixel size of the original
  height        INTEGER NOT NULL,
  thumbhash     TEXT               -- base64
);

CREATE TABLE exif (
  file_id          INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  taken_at         TEXT,     -- ISO 8601; with offset when known, else local wall time
  taken_at_ms      INTEGER,  -- for sorting and filtering: UTC when the offset is known, else wall time read as UTC
  taken_at_source  TEXT,     -- 'exif' (offset known) | 'exif-local' (no offset) | 'mtime' (fallback)
  make             TEXT,
  model            TEXT,
  lens             TEXT,
  iso              INTEGER,
  exposure_time    REAL,     -- seconds
  f_number         REAL,
  focal_length     REAL,     -- mm
  focal_length_35  REAL,     -- mm, 35 mm equivalent
  gps_lat          REAL,     -- signed decimal degrees
  gps_lon          REAL,
  gps_alt          REAL,     -- metres, negative below sea level
  orientation      INTEGER,  -- 1..8
  width            INTEGER,
  height           INTEGER,
  software         TEXT,
  tags_json        TEXT      -- the full parsed tag set
);
CREATE INDEX exif_taken ON exif(taken_at_ms);

CREATE TABLE xmp (
  file_id       INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  rating        INTEGER,  -- -1..5
  label         TEXT,     -- colour label
  title         TEXT,
  description   TEXT,
  keywords      TEXT,     -- JSON array (dc:subject)
  hierarchical  TEXT,     -- JSON array of '|'-separated paths (lr:hierarchicalSubject)
  creator       TEXT,
  rights        TEXT,
  people        TEXT,     -- JSON array of MWG region names
  source        TEXT      -- 'embedded' | 'sidecar' | 'both'
);
`;
