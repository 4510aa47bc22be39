/**
 * Search's view of a model's embeddings: the quantized vector file in the cache dir, kept in step with the catalog.
 * A valid file is scanned as it is; a stale one is patched with the rows written since it was built; a missing one
 * is built from the catalog. Without a cache dir everything happens in memory.
 */
import type { Db } from '../catalog/open.js';
import { allVectors, embeddedIds, embeddingCount, modelGeneration, type FileFilter } from '../catalog/embeddings.js';
import { scanFile } from './parallel-scan.js';
import { allowFor, patchSet, quantize, topKQuantized, type QuantizedSet } from './quantized.js';
import { cacheFileFor, readLayout, readRows, writeCache, type CacheKey } from './vector-cache.js';
import type { Hit } from './vectors.js';

export interface VectorCache {
  dir: string;
  catalogPath: string;
  /** Told before a slow first build (many embeddings, no file to patch), so a long wait is explained. */
  building?(modelId: string, count: number): void;
}

/** Builds below this size are quick enough to need no word. */
const announceFrom = 50_000;

/** Candidates from the model's vector file, brought up to date first when stale or missing. */
export async function candidates(db: Db, modelId: string, query: Float32Array, k: number, filter: FileFilter, cache?: VectorCache): Promise<Hit[]> {
  const key = { modelId, generation: modelGeneration(db, modelId), dim: query.length };
  const file = cache ? cacheFileFor(cache.dir, cache.catalogPath, modelId) : null;
  const fromFile = file ? await scanFile(file, key, query, k, filter) : null;
  if (fromFile) return fromFile;
  const set = file ? refresh(db, file, key, cache?.building) : fullSet(db, key);
  return topKQuantized(set, query, k, allowFor(filter));
}

/**
 * An older vector file patched with the rows written since it was built (and without files that lost their
 * embedding): after a nightly scan adds a few photos, the next search reads a few rows, not the whole table.
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

/** Brings the vector file for key up to date (patched or rebuilt) and returns its contents. */
export function refresh(db: Db, file: string, key: CacheKey, building?: VectorCache['building']): QuantizedSet {
  let set = patched(db, file, key);
  if (!set) {
    const count = building ? embeddingCount(db, key.modelId) : 0;
    if (building && count >= announceFrom) building(key.modelId, count);
    set = fullSet(db, key);
  }
  writeCache(file, key, set);
  return set;
}
