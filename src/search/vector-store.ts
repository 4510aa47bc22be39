/**
 * Search's view of a model's embeddings: the quantized vector file in the cache dir, kept in step with the catalog.
 * A valid file is scanned as it is; a stale one is patched with the rows written since it was built; a missing one
 * is built from the catalog. Without a cache dir everything happens in memory.
 */
import type { Db } from '../catalog/open.js';
import { allVectors, embeddedIds, embeddingCount, modelGeneration, vectorBatches, type FileFilter } from '../catalog/embeddings.js';
import { scanFile } from './parallel-scan.js';
import { allowFor, patchSet, quantize, topKQuantized, type QuantizedSet } from './quantized.js';
import { cacheFileFor, readLayout, readRows, writeCache, writeCacheParts, type CacheKey } from './vector-cache.js';
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

/**
 * An older vector file patched with the rows written since it was built (and without files that lost their
 * embedding): after a nightly scan adds a few photos, the next search reads a few rows, not the whole table.
 * Null when there is no older file to patch, or it is too big to patch in memory.
 */
function patched(db: Db, file: string, key: CacheKey): QuantizedSet | null {
  const layout = readLayout(file, key, true);
  if (!layout) return null;
  try {
    const old = readRows(file, layout, 0, layout.count);
    const changed = allVectors(db, key.modelId, key.dim, layout.generation);
    return patchSet(old, embeddedIds(db, key.modelId), quantize(changed.ids as Int32Array, changed.data, key.dim));
  } catch {
    return null;
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
  const set = patched(db, file, key);
  if (set) return writeCache(file, key, set) ? set.count : null;
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
