/**
 * SQL of the clip stage and of search: models, embeddings, and the filtered bulk load search ranks over.
 * Each file keeps one embedding, from the newest model that embedded it, so while a model switch re-embeds in the
 * background every file stays searchable with the newest complete vector it has.
 */
import type { Db } from './open.js';
import { statement } from './statements.js';
import { fromBlob, toBlob, type VectorSet } from '../vectors.js';

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
export function recordModel(db: Db, model: { id: string; name: string; dir: string; dim: number }, now: number): void {
  db.prepare(
    `INSERT INTO clip_models (id, name, dir, dim, first_used, last_used) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET dir = excluded.dir, last_used = excluded.last_used`,
  ).run(model.id, model.name, model.dir, model.dim, now, now);
}

/**
 * Stores a file's embedding, replacing whatever model embedded it before. seq is above every generation a search
 * cache of this model can have been built at, so the cache can be patched with just the rows written since.
 */
export function saveEmbedding(db: Db, fileId: number, modelId: string, vector: Float32Array, now: number): void {
  // The clip stage's commit of every task: prepared once per connection.
  statement(
    db,
    `INSERT INTO embeddings (file_id, model_id, vector, created_at, seq)
     VALUES (?, ?, ?, ?, coalesce((SELECT generation + 1 FROM clip_models WHERE id = ?), 0))
     ON CONFLICT(file_id) DO UPDATE SET model_id = excluded.model_id, vector = excluded.vector,
       created_at = excluded.created_at, seq = excluded.seq`,
  ).run(fileId, modelId, toBlob(vector), now, modelId);
}

/** A file's stored embedding, if any. */
export function embeddingOf(db: Db, fileId: number): { modelId: string; vector: Float32Array } | null {
  const row = db.prepare(`SELECT model_id AS modelId, vector FROM embeddings WHERE file_id = ?`).get(fileId) as
    | { modelId: string; vector: Buffer }
    | undefined;
  return row ? { modelId: row.modelId, vector: fromBlob(row.vector) } : null;
}

/** Models that embedded at least one present file, newest first, with how many files each holds. */
export function modelsInUse(db: Db): (ClipModelRow & { files: number })[] {
  return db
    .prepare(
      `SELECT m.id, m.name, m.dir, m.dim, m.first_used AS firstUsed, m.last_used AS lastUsed, COUNT(*) AS files
       FROM embeddings e JOIN clip_models m ON m.id = e.model_id JOIN files f ON f.id = e.file_id
       WHERE f.state = 'present'
       GROUP BY m.id ORDER BY m.first_used DESC, m.id`,
    )
    .all() as (ClipModelRow & { files: number })[];
}

/**
 * Models that embedded at least one present file, newest first, without counting them: modelsInUse counts every
 * embedding (2.4 s over 200,000 on 2 loaded cores, since the count reads the table), which a search cannot afford
 * on a big catalog. EXISTS stops at the first present file.
 */
export function searchableModels(db: Db): ClipModelRow[] {
  return db
    .prepare(
      `SELECT m.id, m.name, m.dir, m.dim, m.first_used AS firstUsed, m.last_used AS lastUsed FROM clip_models m
       WHERE EXISTS (SELECT 1 FROM embeddings e JOIN files f ON f.id = e.file_id WHERE e.model_id = m.id AND f.state = 'present')
       ORDER BY m.first_used DESC, m.id`,
    )
    .all() as ClipModelRow[];
}

/** How many present files hold this model's embedding (for messages; slow on big catalogs). */
export function presentEmbeddingCount(db: Db, modelId: string): number {
  return db
    .prepare(`SELECT COUNT(*) FROM embeddings e JOIN files f ON f.id = e.file_id WHERE e.model_id = ? AND f.state = 'present'`)
    .pluck()
    .get(modelId) as number;
}

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
function filterSql(filters: SearchFilters): { where: string[]; params: unknown[] } {
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
    where.push(`EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(p.keywords) THEN p.keywords ELSE '[]' END) k
                WHERE lower(k.value) = lower(?))`);
    params.push(keyword);
  }
  return { where, params };
}

function hasFilters(f: SearchFilters): boolean {
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
export function fileFilter(db: Db, filters: SearchFilters): FileFilter {
  if (!hasFilters(filters)) {
    const gone = db.prepare(`SELECT id FROM files WHERE state <> 'present' ORDER BY id`).pluck().all() as number[];
    return { mode: 'exclude', ids: Int32Array.from(gone) };
  }
  const { where, params } = filterSql(filters);
  const allowed = db
    .prepare(
      `SELECT f.id FROM files f LEFT JOIN exif x ON x.file_id = f.id LEFT JOIN xmp p ON p.file_id = f.id
       WHERE ${where.join(' AND ')} ORDER BY 1`,
    )
    .pluck()
    .all(...params) as number[];
  return { mode: 'include', ids: Int32Array.from(allowed) };
}

/** Changes whenever the model's embeddings change (kept by triggers): search's cache is valid while it matches. */
export function modelGeneration(db: Db, modelId: string): number {
  const row = db.prepare(`SELECT generation FROM clip_models WHERE id = ?`).get(modelId) as { generation: number } | undefined;
  return row?.generation ?? -1;
}

/** How many embeddings a model holds (from the index). */
export function embeddingCount(db: Db, modelId: string): number {
  return db.prepare(`SELECT COUNT(*) FROM embeddings WHERE model_id = ?`).pluck().get(modelId) as number;
}

/** Ids of every file holding an embedding of this model, ascending (read from the index alone). */
export function embeddedIds(db: Db, modelId: string): Int32Array {
  return Int32Array.from(db.prepare(`SELECT file_id FROM embeddings WHERE model_id = ? ORDER BY file_id`).pluck().all(modelId) as number[]);
}

/**
 * The stored vectors of one model, whatever their file's state, in one contiguous array: all of them, or (since)
 * only those written after that generation.
 */
export function allVectors(db: Db, modelId: string, dim: number, since = -1): VectorSet {
  const stmt = db.prepare(`SELECT file_id, vector FROM embeddings WHERE model_id = ? AND seq > ?`).raw();
  let ids: Int32Array = new Int32Array(1024);
  let data: Float32Array = new Float32Array(1024 * dim);
  let n = 0;
  const bytes = dim * 4;
  for (const row of stmt.iterate(modelId, since) as Iterable<[number, Buffer]>) {
    if (row[1].length !== bytes) continue; // written with another width: not comparable
    if (n === ids.length) {
      ids = grow(ids, n * 2);
      data = grow(data, n * 2 * dim);
    }
    ids[n] = row[0];
    fromBlob(row[1], data, n * dim);
    n++;
  }
  return { dim, ids: ids.slice(0, n), data: data.slice(0, n * dim) };
}

/**
 * The rows allVectors returns, `rows` at a time: what the search index is built from, so a 10M-photo model (20 GB of
 * float32) is never in memory at once.
 */
export function* vectorBatches(db: Db, modelId: string, dim: number, since = -1, rows = 20_000): Generator<VectorSet> {
  const stmt = db.prepare(`SELECT file_id, vector FROM embeddings WHERE model_id = ? AND seq > ?`).raw();
  const bytes = dim * 4;
  let ids = new Int32Array(rows);
  let data = new Float32Array(rows * dim);
  let n = 0;
  for (const row of stmt.iterate(modelId, since) as Iterable<[number, Buffer]>) {
    if (row[1].length !== bytes) continue; // written with another width: not comparable
    ids[n] = row[0];
    fromBlob(row[1], data, n * dim);
    if (++n === rows) {
      yield { dim, ids, data };
      ids = new Int32Array(rows);
      data = new Float32Array(rows * dim);
      n = 0;
    }
  }
  if (n > 0) yield { dim, ids: ids.slice(0, n), data: data.slice(0, n * dim) };
}

/** Ids of the files whose embedding of this model was written after that generation, ascending (index only). */
export function idsWrittenSince(db: Db, modelId: string, since: number): Int32Array {
  const ids = db.prepare(`SELECT file_id FROM embeddings WHERE model_id = ? AND seq > ?`).pluck().all(modelId, since) as number[];
  return Int32Array.from(ids).sort();
}

/** Exact vectors of some files (search re-scores its candidates with them). */
export function vectorsOf(db: Db, modelId: string, fileIds: number[]): Map<number, Float32Array> {
  const stmt = db.prepare(`SELECT vector FROM embeddings WHERE file_id = ? AND model_id = ?`).pluck();
  const out = new Map<number, Float32Array>();
  for (const id of fileIds) {
    const blob = stmt.get(id, modelId) as Buffer | undefined;
    if (blob) out.set(id, fromBlob(blob));
  }
  return out;
}

function grow<T extends Int32Array | Float32Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** Path and thumbnail of the files search returns. */
export function describeFiles(db: Db, ids: number[]): Map<number, { path: string; thumbPath: string | null }> {
  const stmt = db.prepare(
    `SELECT f.path, t.thumb_path AS thumbPath FROM files f LEFT JOIN thumbnails t ON t.file_id = f.id WHERE f.id = ?`,
  );
  const out = new Map<number, { path: string; thumbPath: string | null }>();
  for (const id of ids) {
    const row = stmt.get(id) as { path: string; thumbPath: string | null } | undefined;
    if (row) out.set(id, row);
  }
  return out;
}

/** Id of the present file at an absolute path (for `search --like` on an indexed image). */
export function presentFileId(db: Db, absPath: string): number | null {
  const row = db.prepare(`SELECT id FROM files WHERE path = ? AND state = 'present'`).get(absPath) as { id: number } | undefined;
  return row?.id ?? null;
}
