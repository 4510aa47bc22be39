/** SQL of `indexer duplicates`: perceptual hashes (thumbnail stage), cached full-file hashes, the candidate load. */
import type { Db } from './sql.js';
import { statement } from './statements.js';
import { bothDialects, idList } from './dialect.js';

const SAVE_PERCEPTUAL_HASH = `INSERT INTO perceptual_hashes (file_id, identity, phash) VALUES (?, ?, ?)
  ON CONFLICT(file_id) DO UPDATE SET identity = excluded.identity, phash = excluded.phash`;

/** The thumbnail stage's commit: the hash of the content it decoded (identity says which content that was). */
export function savePerceptualHash(db: Db, fileId: number, identity: string, phash: string): void {
  statement(db, SAVE_PERCEPTUAL_HASH).run(fileId, identity, phash);
}

/** What grouping needs of a present file: read for every file, so kept small. */
export interface DuplicateKey {
  id: number;
  /** image | raw | video */
  kind: string;
  /** Size + hash of the first and last 64 KiB (null before phase 1 hashed it). */
  identity: string | null;
  /** 16 hex digits; null before the thumbnail stage ran on this content (or for videos). */
  phash: string | null;
}

/** One present file as duplicate detection sees it: the key plus what the keep rule and the output need. */
export interface DuplicateCandidate extends DuplicateKey {
  /** Absolute path. */
  path: string;
  /** Lower-case extension without the dot. */
  ext: string;
  size: number;
  mtimeMs: number;
  /** Oriented pixel size from the thumbnail stage (null before it ran). */
  width: number | null;
  height: number | null;
  /** Capture time as stored (ISO); null when unknown or only the file's mtime. */
  takenAt: string | null;
  takenAtMs: number | null;
  /** How many EXIF/XMP fields the file carries (camera, lens, exposure, GPS, rating, title, keywords, ...). */
  metadataFields: number;
}

const EXIF_FIELDS = ['make', 'model', 'lens', 'iso', 'exposure_time', 'f_number', 'focal_length', 'gps_lat', 'software'];
const XMP_FIELDS = ['rating', 'label', 'title', 'description', 'keywords', 'creator', 'rights', 'people'];

/** How many of EXIF_FIELDS, a capture time read from the file, and XMP_FIELDS a row has. */
const FIELD_COUNT = [
  ...EXIF_FIELDS.map((c) => `(x.${c} IS NOT NULL)`),
  `(x.taken_at IS NOT NULL AND x.taken_at_source <> 'mtime')`,
  ...XMP_FIELDS.map((c) => `(p.${c} IS NOT NULL)`),
].join(' + ');

const DETAILS_SQL = bothDialects(
  (d) => `SELECT f.id, f.path, f.kind, f.ext, f.size, f.mtime_ms AS "mtimeMs", f.identity, t.width, t.height,
        CASE WHEN h.identity = f.identity THEN h.phash END AS phash,
        CASE WHEN x.taken_at_source <> 'mtime' THEN x.taken_at END AS "takenAt",
        CASE WHEN x.taken_at_source <> 'mtime' THEN x.taken_at_ms END AS "takenAtMs",
        coalesce(${FIELD_COUNT}, 0) AS "metadataFields"
 FROM files f
 LEFT JOIN thumbnails t ON t.file_id = f.id
 LEFT JOIN perceptual_hashes h ON h.file_id = f.id
 LEFT JOIN exif x ON x.file_id = f.id
 LEFT JOIN xmp p ON p.file_id = f.id
 WHERE f.id IN ${idList(d, '?')}`,
);

/**
 * Every present file (offline and deleted ones are never listed), with only what grouping needs: reading the keep
 * rule's columns (four joined tables) for a million files took most of the command's time, and only the few files
 * that end up in groups need them (`duplicateDetails`). `withPath` adds the path (to select files under PATHs).
 * A perceptual hash computed for an older content of the file is left out.
 */
export function duplicateKeys(db: Db, withPath: boolean): (DuplicateKey & { path?: string })[] {
  return statement(db, withPath ? KEYS_WITH_PATH : KEYS).all() as (DuplicateKey & { path?: string })[];
}

const keysSql = (extra: string) => `SELECT f.id, f.kind, f.identity, CASE WHEN h.identity = f.identity THEN h.phash END AS phash${extra}
  FROM files f
  LEFT JOIN perceptual_hashes h ON h.file_id = f.id
  WHERE f.state = 'present'
  ORDER BY f.id`;
const KEYS = keysSql('');
const KEYS_WITH_PATH = keysSql(', f.path');

/**
 * The full rows of some files, by id (one query). A file whose row is gone since its key was read is missing from
 * the map; its state is not checked again, so a file read as present stays in the answer.
 */
export function duplicateDetails(db: Db, fileIds: readonly number[]): Map<number, DuplicateCandidate> {
  const out = new Map<number, DuplicateCandidate>();
  if (fileIds.length === 0) return out;
  const rows = statement(db, DETAILS_SQL).all(JSON.stringify(fileIds)) as DuplicateCandidate[];
  for (const r of rows) out.set(r.id, r);
  return out;
}

const SHARED_IDENTITIES = `SELECT identity FROM files WHERE identity IS NOT NULL AND state = 'present' GROUP BY identity HAVING COUNT(*) > 1`;

/** Identities held by more than one present file (from the identity index): the only candidates for exact copies. */
export function sharedIdentities(db: Db): Set<string> {
  return new Set(
    statement(db, SHARED_IDENTITIES)
      .pluck()
      .all() as string[],
  );
}

const CACHED_CONTENT_HASH = `SELECT sha256 FROM content_hashes WHERE file_id = ? AND size = ? AND mtime_ms = ?`;

/** The cached full-file hash of a file, if it was computed while the file had this size and mtime. */
export function cachedContentHash(db: Db, fileId: number, size: number, mtimeMs: number): string | null {
  const row = statement(db, CACHED_CONTENT_HASH).get(fileId, size, mtimeMs) as
    | { sha256: string }
    | undefined;
  return row?.sha256 ?? null;
}

const SAVE_CONTENT_HASH = `INSERT INTO content_hashes (file_id, size, mtime_ms, sha256) VALUES (?, ?, ?, ?)
  ON CONFLICT(file_id) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, sha256 = excluded.sha256`;

export function saveContentHash(db: Db, fileId: number, size: number, mtimeMs: number, sha256: string): void {
  statement(db, SAVE_CONTENT_HASH).run(fileId, size, mtimeMs, sha256);
}

const THUMB_PATHS = `SELECT thumb_path FROM thumbnails WHERE file_id = ?`;

/** Thumbnail paths of some files, for the HTML page. */
export function thumbPaths(db: Db, fileIds: number[]): Map<number, string> {
  const stmt = statement(db, THUMB_PATHS).pluck();
  const out = new Map<number, string>();
  for (const id of fileIds) {
    const p = stmt.get(id) as string | undefined;
    if (p) out.set(id, p);
  }
  return out;
}
