/**
 * SQL of the clip stage and of search: models, embeddings, and the filtered bulk load search ranks over.
 * Each file keeps one embedding, from the newest model that embedded it, so while a model switch re-embeds in the
 * background every file stays searchable with the newest complete vector it has.
 */
import type { Db, Dialect } from './sql.js';
import { bothDialects, idList, jsonArrayOrEmpty, jsonTable } from './dialect.js';
import { statement } from './statements.js';
import { fromBlob, toBlob } from '../vectors.js';

export { allVectors, vectorBatches } from './vector-read.js';

export interface ClipModelRow {
  /** name@hash. */
  id: string;
  name: string;
  /** Directory it was last loaded from. */
  dir: string;
  dim: number;
  firstUsed: number;
  lastUsed: number;
}

/** Records that a model is in use (first use is kept: it orders models from oldest to newest). */
const RECORD_MODEL = `INSERT INTO clip_models (id, name, dir, dim, first_used, last_used) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET dir = excluded.dir, last_used = excluded.last_used`;

export function recordModel(db: Db, model: { id: string; name: string; dir: string; dim: number }, now: number): void {
  statement(db, RECORD_MODEL).run(model.id, model.name, model.dir, model.dim, now, now);
}

/** The model's row if it is missing (no update: concurrent committers of one model take no lock on its row). */
const ENSURE_MODEL = `INSERT INTO clip_models (id, name, dir, dim, first_used, last_used) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO NOTHING`;

/**
 * Makes sure the model's row exists, for every commit after the first of a run: a rolled-back transaction may have
 * taken the first one's recordModel with it (a batch whose other stage failed), and embeddings need the row.
 */
export function ensureModel(db: Db, model: { id: string; name: string; dir: string; dim: number }, now: number): void {
  statement(db, ENSURE_MODEL).run(model.id, model.name, model.dir, model.dim, now, now);
}

const SAVE_EMBEDDING = `INSERT INTO embeddings (file_id, model_id, vector, created_at, seq)
  VALUES (?, ?, ?, ?, coalesce((SELECT generation + 1 FROM clip_models WHERE id = ?), 0))
  ON CONFLICT(file_id) DO UPDATE SET model_id = excluded.model_id, vector = excluded.vector,
  created_at = excluded.created_at, seq = excluded.seq`;

/**
 * Stores a file's embedding, replacing whatever model embedded it before. seq is above every generation a search
 * cache of this model can have been built at, so the cache can be patched with just the rows written since.
 */
export function saveEmbedding(db: Db, fileId: number, modelId: string, vector: Float32Array, now: number): void {
  // The clip stage's commit of every task: prepared once per connection.
  statement(db, SAVE_EMBEDDING).run(fileId, modelId, toBlob(vector), now, modelId);
}

const EMBEDDING_OF = `SELECT model_id AS "modelId", vector FROM embeddings WHERE file_id = ?`;

/** A file's stored embedding, if any. */
export function embeddingOf(db: Db, fileId: number): { modelId: string; vector: Float32Array } | null {
  const row = statement(db, EMBEDDING_OF).get(fileId) as
    | { modelId: string; vector: Buffer }
    | undefined;
  return row ? { modelId: row.modelId, vector: fromBlob(row.vector) } : null;
}

/** Models that embedded at least one present file, newest first, with how many files each holds. */
const MODELS_IN_USE = `SELECT m.id, m.name, m.dir, m.dim, m.first_used AS "firstUsed", m.last_used AS "lastUsed", COUNT(*) AS files
  FROM embeddings e JOIN clip_models m ON m.id = e.model_id JOIN files f ON f.id = e.file_id
  WHERE f.state = 'present'
  GROUP BY m.id ORDER BY m.first_used DESC, m.id`;

export function modelsInUse(db: Db): (ClipModelRow & { files: number })[] {
  return statement(db, MODELS_IN_USE).all() as (ClipModelRow & { files: number })[];
}

/**
 * Models that embedded at least one present file, newest first, without counting them: modelsInUse counts every
 * embedding (2.4 s over 200,000 on 2 loaded cores, since the count reads the table), which a search cannot afford
 * on a big catalog. EXISTS stops at the first present file.
 */
export function searchableModels(db: Db): ClipModelRow[] {
  return statement(db, SEARCHABLE_MODELS).all() as ClipModelRow[];
}

const SEARCHABLE_MODELS = `SELECT m.id, m.name, m.dir, m.dim, m.first_used AS "firstUsed", m.last_used AS "lastUsed" FROM clip_models m
  WHERE EXISTS (SELECT 1 FROM embeddings e JOIN files f ON f.id = e.file_id WHERE e.model_id = m.id AND f.state = 'present')
  ORDER BY m.first_used DESC, m.id`;

/** How many present files hold this model's embedding (for messages; slow on big catalogs). */
export function presentEmbeddingCount(db: Db, modelId: string): number {
  return statement(db, PRESENT_EMBEDDINGS).pluck().get(modelId) as number;
}

const PRESENT_EMBEDDINGS = `SELECT COUNT(*) FROM embeddings e JOIN files f ON f.id = e.file_id WHERE e.model_id = ? AND f.state = 'present'`;

/** Filters search combines with the query; all optional. */
export interface SearchFilters {
  /** Taken at or after (ms, compared with exif.taken_at_ms). */
  afterMs?: number;
  /** Taken before (ms). */
  beforeMs?: number;
  /** Substring of "make model", case-insensitive. */
  camera?: string;
  /** xmp.rating at least this. */
  minRating?: number;
  /** Every one of these must be among xmp.keywords (case-insensitive). */
  keywords?: string[];
}

/** WHERE clauses (over files f, exif x, xmp p) and their parameters for the filters. */
function filterSql(d: Dialect, filters: SearchFilters): { where: string[]; params: unknown[] } {
  const where = [`f.state = 'present'`];
  const params: unknown[] = [];
  if (filters.afterMs !== undefined) where.push('x.taken_at_ms >= ?'), params.push(filters.afterMs);
  if (filters.beforeMs !== undefined) where.push('x.taken_at_ms < ?'), params.push(filters.beforeMs);
  if (filters.camera) {
    where.push(`lower(coalesce(x.make, '') || ' ' || coalesce(x.model, '')) LIKE ? ESCAPE '\\'`);
    params.push('%' + filters.camera.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%');
  }
  if (filters.minRating !== undefined) where.push('p.rating >= ?'), params.push(filters.minRating);
  for (const keyword of filters.keywords ?? []) {
    where.push(`EXISTS (SELECT 1 FROM ${jsonTable(d, jsonArrayOrEmpty(d, 'p.keywords'), 'k')} WHERE lower(k.value) = lower(?))`);
    params.push(keyword);
  }
  return { where, params };
}

export function hasFilters(f: SearchFilters): boolean {
  return f.afterMs !== undefined || f.beforeMs !== undefined || !!f.camera || f.minRating !== undefined || !!f.keywords?.length;
}

/** Which file ids search may return: all but `ids` ('exclude'), or only `ids` ('include'). Sorted. */
export interface FileFilter {
  mode: 'exclude' | 'include';
  ids: Int32Array;
}

/**
 * Which files search may return: present ones passing the filters. Without filters only the (usually few) files
 * that are not present are listed (from a partial index), so a million-file catalog costs nothing here.
 */
const NOT_PRESENT = `SELECT id FROM files WHERE state <> 'present' ORDER BY id`;

export function fileFilter(db: Db, filters: SearchFilters): FileFilter {
  if (!hasFilters(filters)) {
    const gone = statement(db, NOT_PRESENT).pluck().all() as number[];
    return { mode: 'exclude', ids: Int32Array.from(gone) };
  }
  const { where, params } = filterSql(db.dialect, filters);
  // The one statement built per call: its WHERE depends on which filters a search gives. Cached all the same (a
  // handful of filter combinations per connection at most).
  const allowed = statement(
    db,
    `SELECT f.id FROM files f LEFT JOIN exif x ON x.file_id = f.id LEFT JOIN xmp p ON p.file_id = f.id
     WHERE ${where.join(' AND ')} ORDER BY 1`,
  )
    .pluck()
    .all(...params) as number[];
  return { mode: 'include', ids: Int32Array.from(allowed) };
}

/**
 * Which of `ids` (candidates of the approximate search, a few thousand at most) search may return under the filters:
 * present files passing them, in the order given. Asks about those rows only, where fileFilter lists every passing
 * file of the catalog (seconds for a broad filter over a million files).
 */
export function passingFilters(db: Db, filters: SearchFilters, ids: readonly number[]): number[] {
  if (ids.length === 0) return [];
  const { where, params } = filterSql(db.dialect, filters);
  // Padded to a power of two with an id no file has, so a handful of statement texts serve every call.
  const size = 2 ** Math.ceil(Math.log2(ids.length));
  const list = Array.from({ length: size }, (_, i) => ids[i] ?? -1);
  const passing = statement(
    db,
    `SELECT f.id FROM files f LEFT JOIN exif x ON x.file_id = f.id LEFT JOIN xmp p ON p.file_id = f.id
     WHERE f.id IN (${list.map(() => '?').join(', ')}) AND ${where.join(' AND ')}`,
  )
    .pluck()
    .all(...list, ...params) as number[];
  const ok = new Set(passing);
  return ids.filter((id) => ok.has(id));
}

const MODEL_GENERATION = `SELECT generation FROM clip_models WHERE id = ?`;

/** Changes whenever the model's embeddings change (kept by triggers): search's cache is valid while it matches. */
export function modelGeneration(db: Db, modelId: string): number {
  const row = statement(db, MODEL_GENERATION).get(modelId) as { generation: number } | undefined;
  return row?.generation ?? -1;
}

const EMBEDDING_COUNT = `SELECT COUNT(*) FROM embeddings WHERE model_id = ?`;

/** How many embeddings a model holds (from the index). */
export function embeddingCount(db: Db, modelId: string): number {
  return statement(db, EMBEDDING_COUNT).pluck().get(modelId) as number;
}

const EMBEDDING_TIMES = `SELECT created_at FROM embeddings WHERE model_id = ? ORDER BY created_at`;

/** When each embedding of this model was written (ms, ascending): the clip benchmark's steady state comes from them. */
export function embeddingTimes(db: Db, modelId: string): number[] {
  return statement(db, EMBEDDING_TIMES).pluck().all(modelId) as number[];
}

const EMBEDDED_IDS = `SELECT file_id FROM embeddings WHERE model_id = ? ORDER BY file_id`;

/** Ids of every file holding an embedding of this model, ascending (read from the index alone). */
export function embeddedIds(db: Db, modelId: string): Int32Array {
  return Int32Array.from(statement(db, EMBEDDED_IDS).pluck().all(modelId) as number[]);
}

const IDS_SINCE = `SELECT file_id FROM embeddings WHERE model_id = ? AND seq > ?`;

/** Ids of the files whose embedding of this model was written after that generation, ascending (index only). */
export function idsWrittenSince(db: Db, modelId: string, since: number): Int32Array {
  const ids = statement(db, IDS_SINCE).pluck().all(modelId, since) as number[];
  return Int32Array.from(ids).sort();
}

// SQLite would rather walk the model's index (every row of the model) than look up the listed files: CROSS JOIN
// fixes the order. PostgreSQL's planner looks the ids up by itself.
const VECTORS_OF = bothDialects((d) =>
  d === 'sqlite'
    ? `SELECT e.file_id AS "fileId", e.vector FROM json_each(@ids) j CROSS JOIN embeddings e
       WHERE e.file_id = j.value AND e.model_id = @model`
    : `SELECT file_id AS "fileId", vector FROM embeddings WHERE model_id = @model AND file_id IN ${idList(d, '@ids')}`,
);

/**
 * Exact vectors of some files (search re-scores its candidates with them, ~100 per search): one statement, so on
 * PostgreSQL one round trip rather than one per file.
 */
export function vectorsOf(db: Db, modelId: string, fileIds: readonly number[]): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  if (fileIds.length === 0) return out;
  const rows = statement(db, VECTORS_OF).all({ model: modelId, ids: JSON.stringify(fileIds) }) as { fileId: number; vector: Buffer }[];
  for (const row of rows) out.set(row.fileId, fromBlob(row.vector));
  return out;
}

// The copies are looked up through the identity index (files_identity_added) file by file: CROSS JOIN keeps SQLite
// from walking the files table instead. Listed files are left out before the limit, and the copies of the files
// listed first come first, so a limit cuts the copies of the weakest results.
const COPIES_OF = bothDialects((d) =>
  d === 'sqlite'
    ? `SELECT t.id FROM json_each(@ids) j CROSS JOIN files f CROSS JOIN files t
       WHERE f.id = j.value AND t.identity = f.identity AND t.state = 'present' AND t.id NOT IN ${idList(d, '@ids')}
         AND EXISTS (SELECT 1 FROM embeddings e WHERE e.file_id = t.id AND e.model_id = @model)
       GROUP BY t.id ORDER BY MIN(j.key) LIMIT @limit`
    : `SELECT t.id FROM json_array_elements_text(@ids::json) WITH ORDINALITY AS j(value, at)
       JOIN files f ON f.id = j.value::bigint JOIN files t ON t.identity = f.identity
       WHERE t.state = 'present' AND t.id NOT IN ${idList(d, '@ids')}
         AND EXISTS (SELECT 1 FROM embeddings e WHERE e.file_id = t.id AND e.model_id = @model)
       GROUP BY t.id ORDER BY MIN(j.at) LIMIT @limit`,
);

/**
 * Present files with the same content identity as one of `fileIds` (copies of a photo kept in several folders) that
 * hold an embedding of this model, not those listed; at most `limit`, the copies of earlier ids first. One statement.
 */
export function copiesOf(db: Db, modelId: string, fileIds: readonly number[], limit: number): number[] {
  if (fileIds.length === 0) return [];
  return statement(db, COPIES_OF).pluck().all({ ids: JSON.stringify(fileIds), model: modelId, limit }) as number[];
}

const DESCRIBE_FILES = bothDialects(
  (d) => `SELECT f.id, f.path, t.thumb_path AS "thumbPath" FROM files f LEFT JOIN thumbnails t ON t.file_id = f.id
    WHERE f.id IN ${idList(d, '?')}`,
);

/** Path and thumbnail of the files search returns (one statement for all of them). */
export function describeFiles(db: Db, ids: readonly number[]): Map<number, { path: string; thumbPath: string | null }> {
  const out = new Map<number, { path: string; thumbPath: string | null }>();
  if (ids.length === 0) return out;
  const rows = statement(db, DESCRIBE_FILES).all(JSON.stringify(ids)) as { id: number; path: string; thumbPath: string | null }[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  // In the order asked (callers iterate the map in rank order).
  for (const id of ids) {
    const row = byId.get(id);
    if (row) out.set(id, { path: row.path, thumbPath: row.thumbPath });
  }
  return out;
}

const PRESENT_FILE_ID = `SELECT id FROM files WHERE path = ? AND state = 'present'`;

/** Id of the present file at an absolute path (for `search --like` on an indexed image). */
export function presentFileId(db: Db, absPath: string): number | null {
  const row = statement(db, PRESENT_FILE_ID).get(absPath) as { id: number } | undefined;
  return row?.id ?? null;
}
