/** SQL for the thumbnail, exif and xmp stages' results (tables from migration 004). */
import type { Db } from './sql.js';
import { statement } from './statements.js';
import type { TaskState } from './task-state.js';
import { storableText, storableTextOrNull } from './text.js';

export interface ThumbnailRow {
  fileId: number;
  identity: string;
  thumbPath: string;
  previewPath: string;
  width: number;
  height: number;
  thumbhash: string | null;
}

const SAVE_THUMBNAIL = `INSERT INTO thumbnails (file_id, identity, thumb_path, preview_path, width, height, thumbhash)
  VALUES (@fileId, @identity, @thumbPath, @previewPath, @width, @height, @thumbhash)
  ON CONFLICT(file_id) DO UPDATE SET identity = excluded.identity, thumb_path = excluded.thumb_path,
  preview_path = excluded.preview_path, width = excluded.width, height = excluded.height, thumbhash = excluded.thumbhash`;

export function saveThumbnail(db: Db, row: ThumbnailRow): void {
  statement(db, SAVE_THUMBNAIL).run(row);
}

const GET_THUMBNAIL = `SELECT file_id AS "fileId", identity, thumb_path AS "thumbPath", preview_path AS "previewPath", width, height, thumbhash
  FROM thumbnails WHERE file_id = ?`;

/** Read by the thumbnail stage's commit of every task (its previous renditions), so prepared once. */
export function getThumbnail(db: Db, fileId: number): ThumbnailRow | null {
  const r = statement(db, GET_THUMBNAIL).get(fileId) as ThumbnailRow | undefined;
  return r ?? null;
}

/** Typed EXIF columns; tagsJson is the full tag set. */
export interface ExifRow {
  takenAt: string | null;
  takenAtMs: number | null;
  takenAtSource: string | null;
  make: string | null;
  model: string | null;
  lens: string | null;
  iso: number | null;
  exposureTime: number | null;
  fNumber: number | null;
  focalLength: number | null;
  focalLength35: number | null;
  gpsLat: number | null;
  gpsLon: number | null;
  gpsAlt: number | null;
  orientation: number | null;
  width: number | null;
  height: number | null;
  software: string | null;
  tagsJson: string | null;
}

const EXIF_COLUMNS: [keyof ExifRow, string][] = [
  ['takenAt', 'taken_at'],
  ['takenAtMs', 'taken_at_ms'],
  ['takenAtSource', 'taken_at_source'],
  ['make', 'make'],
  ['model', 'model'],
  ['lens', 'lens'],
  ['iso', 'iso'],
  ['exposureTime', 'exposure_time'],
  ['fNumber', 'f_number'],
  ['focalLength', 'focal_length'],
  ['focalLength35', 'focal_length_35'],
  ['gpsLat', 'gps_lat'],
  ['gpsLon', 'gps_lon'],
  ['gpsAlt', 'gps_alt'],
  ['orientation', 'orientation'],
  ['width', 'width'],
  ['height', 'height'],
  ['software', 'software'],
  ['tagsJson', 'tags_json'],
];

const EXIF_UPSERT = `INSERT INTO exif (file_id, ${EXIF_COLUMNS.map(([, c]) => c).join(', ')})
  VALUES (@fileId, ${EXIF_COLUMNS.map(([k]) => '@' + k).join(', ')})
  ON CONFLICT(file_id) DO UPDATE SET ${EXIF_COLUMNS.map(([, c]) => `${c} = excluded.${c}`).join(', ')}`;

export function saveExif(db: Db, fileId: number, row: ExifRow): void {
  // Only the columns: a row may carry more (the worker's record), which named parameters would refuse.
  const params: Record<string, unknown> = { fileId };
  for (const [k] of EXIF_COLUMNS) params[k] = row[k];
  statement(db, EXIF_UPSERT).run(params);
}

const EXIF_SELECT = `SELECT ${EXIF_COLUMNS.map(([k, c]) => `${c} AS "${k}"`).join(', ')} FROM exif WHERE file_id = ?`;

export function getExif(db: Db, fileId: number): ExifRow | null {
  const r = statement(db, EXIF_SELECT).get(fileId) as ExifRow | undefined;
  return r ?? null;
}

export interface XmpRow {
  rating: number | null;
  label: string | null;
  title: string | null;
  description: string | null;
  /** JSON array */
  keywords: string | null;
  /** JSON array of '|'-separated paths */
  hierarchical: string | null;
  creator: string | null;
  rights: string | null;
  /** JSON array of region (person) names */
  people: string | null;
  source: string;
}

const SAVE_XMP = `INSERT INTO xmp (file_id, rating, label, title, description, keywords, hierarchical, creator, rights, people, source)
  VALUES (@fileId, @rating, @label, @title, @description, @keywords, @hierarchical, @creator, @rights, @people, @source)
  ON CONFLICT(file_id) DO UPDATE SET rating = excluded.rating, label = excluded.label, title = excluded.title,
  description = excluded.description, keywords = excluded.keywords, hierarchical = excluded.hierarchical,
  creator = excluded.creator, rights = excluded.rights, people = excluded.people, source = excluded.source`;

export function saveXmp(db: Db, fileId: number, row: XmpRow): void {
  const { label, title, description, keywords, hierarchical, creator, rights, people, source } = row;
  const text = { label, title, description, keywords, hierarchical, creator, rights, people };
  const params = Object.fromEntries(Object.entries(text).map(([k, v]) => [k, storableTextOrNull(v)]));
  statement(db, SAVE_XMP).run({ fileId, rating: row.rating, ...params, source: storableText(source) });
}

/** A file whose XMP disappeared (sidecar deleted, metadata stripped) keeps no stale row. */
export function deleteXmp(db: Db, fileId: number): void {
  statement(db, 'DELETE FROM xmp WHERE file_id = ?').run(fileId);
}

const XMP_SELECT = `SELECT rating, label, title, description, keywords, hierarchical, creator, rights, people, source
  FROM xmp WHERE file_id = ?`;

export function getXmp(db: Db, fileId: number): XmpRow | null {
  const r = statement(db, XMP_SELECT).get(fileId) as XmpRow | undefined;
  return r ?? null;
}

/** A file row by absolute path, for `indexer info`. */
export interface InfoFile {
  id: number;
  path: string;
  kind: string;
  ext: string;
  size: number;
  mtimeMs: number;
  identity: string | null;
  state: string;
  sidecarPath: string | null;
  firstSeen: number;
  lastSeen: number;
}

const FILE_BY_PATH = `SELECT id, path, kind, ext, size, mtime_ms AS "mtimeMs", identity, state, sidecar_path AS "sidecarPath",
    first_seen AS "firstSeen", last_seen AS "lastSeen"
  FROM files WHERE path = ?`;

export function findFileByPath(db: Db, absolutePath: string): InfoFile | null {
  const r = statement(db, FILE_BY_PATH).get(absolutePath) as InfoFile | undefined;
  return r ?? null;
}

/** Every task of every present file with its outcome, for the corpus report (scripts/corpus.ts). Read-only. */
const STAGE_OUTCOMES = `SELECT f.path AS path, t.stage AS stage, t.state AS state, t.reason AS reason
  FROM tasks t JOIN files f ON f.id = t.file_id WHERE f.state = 'present' ORDER BY f.path, t.stage`;

export function stageOutcomes(db: Db): { path: string; stage: string; state: TaskState; reason: string | null }[] {
  return statement(db, STAGE_OUTCOMES).all() as { path: string; stage: string; state: TaskState; reason: string | null }[];
}

const IDENTITY_SHARED = `SELECT 1 FROM files WHERE identity = ? AND id != ? AND state != 'deleted' LIMIT 1`;

/** Whether another present file has this identity (identical copies share their cached thumbnails). */
export function identityShared(db: Db, identity: string, exceptFileId: number): boolean {
  return !!statement(db, IDENTITY_SHARED).get(
    identity,
    exceptFileId,
  );
}
