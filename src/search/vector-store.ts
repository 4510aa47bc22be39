/**
 * Search's view of a model's embeddings: the quantized vector file in the cache dir, kept in step with the catalog.
 * A valid file is scanned as it is; a stale one is patched with the rows written since it was built; a missing one
 * is built from the catalog. Without a cache dir everything happens in memory.
 */
import type { Db } from '../catalog/open.js';
import fs from 'node:fs';
import { allVectors, embeddedIds, embeddingCount, idsWrittenSince, modelGeneration, vectorBatches, type FileFilter } from '../catalog/embeddings.js';
import { scanFile } from './parallel-scan.js';
import { allowFor, keepRows, quantize, sortedHas, topKQuantized, type QuantizedSet } from './quantized.js';
import { cacheFileFor, openVectorFile, readIds, readRows, writeCacheParts, type CacheKey } from './vector-cache.js';
import type { Hit } from './vectors.js';

export interface VectorCache {
  dir: string;
  catalogPath: string;
  /** Told before a slow first build (many embeddings, no file to patch), so a long wait is explained. */
  building?(modelId: string, count: number): void;
}

/** Builds below this size are quick enough to need no word. */
const announceFrom = 50_000;

/**
 * Candidates from the model's vector file, brought up to date first when stale or missing. Without a cache dir (or
 * when the file cannot be written) the set is built in memory, which holds up to ~8M rows of 512-d.
 */
export async function candidates(db: Db, modelId: string, query: Float32Array, k: number, filter: FileFilter, cache?: VectorCache): Promise<Hit[]> {
  const key = { modelId, generation: modelGeneration(db, modelId), dim: query.length };
  const file = cache ? cacheFileFor(cache.dir, cache.catalogPath, modelId) : null;
  if (file) {
    const fromFile = await scanFile(file, key, query, k, filter);
    if (fromFile) return fromFile;
    if (refresh(db, file, key, cache?.building) !== null) {
      const fresh = await scanFile(file, key, query, k, filter);
      if (fresh) return fresh;
    }
  }
  return topKQuantized(fullSet(db, key), query, k, allowFor(filter));
}

/** Rows of the old file read at once while patching it (64 MB of 512-d codes). */
const patchChunkRows = 1 << 17;

/**
 * An older vector file patched with the rows written since it was built (and without files that lost their
 * embedding), written as a new file: after a nightly scan adds a few photos, the next search reads a few rows from
 * the catalog, not the whole table. The old file is copied a chunk at a time and the rows written since come in
 * batches, so a 10M-row file (5 GB) is never in memory. Null when there is no older file, or the patched file could
 * not be written (the caller then rebuilds from the catalog).
 */
function patch(db: Db, file: string, key: CacheKey): number | null {
  const open = openVectorFile(file, key, true);
  if (!open) return null;
  const { fd, layout } = open;
  try {
    const changed = idsWrittenSince(db, key.modelId, layout.generation);
    const live = embeddedIds(db, key.modelId);
    // Which old rows stay, decided once from the ids alone (a byte a row), then applied chunk by chunk.
    const keep = Uint8Array.from(readIds(fd, layout), (id) => (!sortedHas(changed, id) && sortedHas(live, id) ? 1 : 0));
    const kept = keep.reduce((a, x) => a + x, 0);
    const parts = function* () {
      for (let at = 0; at < layout.count; at += patchChunkRows) {
        yield keepRows(readRows(fd, layout, at, Math.min(layout.count, at + patchChunkRows)), (_, row) => keep[at + row] === 1);
      }
      for (const batch of vectorBatches(db, key.modelId, key.dim, layout.generation)) {
        yield quantize(batch.ids as Int32Array, batch.data, key.dim);
      }
    };
    // Announced as kept + changed: a stored vector of another width (skipped by the read) fails the write, and
    // the caller's rebuild counts what it reads.
    const count = kept + changed.length;
    return writeCacheParts(file, key, count, parts()) ? count : null;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function fullSet(db: Db, key: CacheKey): QuantizedSet {
  const all = allVectors(db, key.modelId, key.dim);
  return quantize(all.ids as Int32Array, all.data, key.dim);
}

/**
 * Brings the vector file for key up to date: patched, or else rebuilt from the catalog a batch at a time (a 10M-photo
 * model is 20 GB of float32, never in memory at once). Returns how many rows the file now holds, or null when it
 * could not be written (the caller ranks in memory).
 */
export function refresh(db: Db, file: string, key: CacheKey, building?: VectorCache['building']): number | null {
  const patched = patch(db, file, key);
  if (patched !== null) return patched;
  let count = embeddingCount(db, key.modelId);
  if (building && count >= announceFrom) building(key.modelId, count);
  // The count and the read are two statements: a clip commit between them, or a stored vector of another width
  // (the read skips it), leaves the rows read unequal to the count. A second try takes the rows seen, else a recount.
  for (let attempt = 0; attempt < 2; attempt++) {
    let seen = 0;
    const parts = function* () {
      for (const batch of vectorBatches(db, key.modelId, key.dim)) {
        seen += batch.ids.length;
        yield quantize(batch.ids as Int32Array, batch.data, key.dim); // quantize keeps a copy of the ids
      }
    };
    if (writeCacheParts(file, key, count, parts())) return count;
    if (seen === count) return null; // the rows were right: the file could not be written
    count = seen < count ? seen : embeddingCount(db, key.modelId);
  }
  return null;
}
