/**
 * When search uses the approximate index (ann-index.ts), and keeping that index in step with the catalog.
 *
 * Below `annThreshold` embeddings per model (and always with `--exact`) search scans every vector as before, so
 * small catalogs get exactly the results they always did. Above it, search asks the index for an over-fetched list
 * of candidates and re-scores them exactly (search.ts), which keeps printed scores exact and recall@20 against the
 * full scan at 0.98 or better. Filters are applied before the top-k cut: the over-fetch grows with how much the
 * filter removes, and a filter that leaves little (< 5% of the photos), or an answer that came up short, goes to the
 * full scan, which applies the filter row by row.
 *
 * The index is built or brought up to date at the end of a phase 2 that ran the clip stage (`indexer scan`,
 * `indexer resume`), where a long build belongs; a search that finds it a little behind (a few thousand rows)
 * patches it itself, and one that finds it far behind or missing answers from the full scan.
 */
import path from 'node:path';
import type { Db } from '../catalog/open.js';
import { catalogCacheKey } from '../catalog/catalog-url.js';
import { embeddedIds, embeddingCount, idsWrittenSince, modelGeneration, searchableModels, vectorBatches, type FileFilter } from '../catalog/embeddings.js';
import { openReader, readManifest, removeIndex, updateIndex, type AnnChanges, type AnnKey, type AnnManifest, type UpdateOutcome } from './ann-index.js';
import { allowFor } from './quantized.js';

/** Per model: at or above this many embeddings search answers from the index (INDEXER_SEARCH_ANN_MIN overrides). */
export const annThreshold = 100_000;
/** A search patches an index at most this many rows behind (about a second of work on 2 cores); more waits for phase 2. */
const searchPatchLimit = 5_000;
/** A filter that keeps less than this share of the photos goes to the full scan (over-fetching would cost more). */
const minShare = 0.05;
/** Candidates asked of the index per result wanted, and at least. */
const overFetch = { perResult: 10, atLeast: 200, atMost: 50_000 };

export interface AnnPlace {
  /** The cache dir. */
  dir: string;
  catalogPath: string;
}

export function thresholdFrom(env: NodeJS.ProcessEnv): number {
  const n = Number(env.INDEXER_SEARCH_ANN_MIN);
  return env.INDEXER_SEARCH_ANN_MIN && Number.isInteger(n) && n >= 0 ? n : annThreshold;
}

/** Where a model's index lives: beside the quantized vector file, keyed the same way. */
export function annBase(place: AnnPlace, modelId: string): string {
  const catalog = catalogCacheKey(place.catalogPath);
  return path.join(place.dir, 'search', `${catalog}-${modelId.replace(/[^A-Za-z0-9._@-]/g, '_')}`);
}

/**
 * Candidate file ids for the query from the model's index, filtered, at least `want` of them when the filter
 * allows that many; null when search should scan instead (no usable index, below the threshold, a narrow filter).
 */
export function annCandidates(db: Db, place: AnnPlace, key: AnnKey, query: Float32Array, want: number, filter: FileFilter, threshold: number): number[] | null {
  const base = annBase(place, key.modelId);
  let manifest = readManifest(base, key);
  if (!manifest || manifest.count < threshold) return null;
  const generation = modelGeneration(db, key.modelId);
  if (manifest.generation !== generation) {
    if (!catchUp(db, base, key, manifest, generation)) return null;
    manifest = readManifest(base, key);
    if (!manifest) return null;
  }
  const reader = openReader(base, manifest);
  if (!reader) return null;
  const share = allowedShare(filter, reader.count);
  if (share < minShare) return null;
  const allow = allowFor(filter) ?? (() => true);
  const fetch = Math.min(reader.count, overFetch.atMost, Math.ceil(Math.max(want * overFetch.perResult, overFetch.atLeast) / share));
  const ids = reader.nearest(query, fetch).filter(allow);
  // Too few left after the filter, while more may pass it: the full scan decides.
  if (ids.length < want && fetch < reader.count) return null;
  return ids;
}

/** Patches an index that is a little behind; false when it is too far behind for a search to wait on. */
function catchUp(db: Db, base: string, key: AnnKey, manifest: AnnManifest, to: number): boolean {
  if (to < manifest.generation) return false;
  const changes = changesSince(db, key, manifest.generation, to);
  if (changes.changed.length > searchPatchLimit) return false;
  return updateIndex(base, key, manifest, changes) === 'done';
}

/** The rows of a model written after generation `since` (all of them for -1), read in batches as the index adds them. */
function changesSince(db: Db, key: AnnKey, since: number, generation: number): AnnChanges {
  return {
    generation,
    changed: idsWrittenSince(db, key.modelId, since),
    rows: { [Symbol.iterator]: () => vectorBatches(db, key.modelId, key.dim, since) },
    live: embeddedIds(db, key.modelId),
  };
}

/**
 * Builds or brings up to date the index of every model with at least `threshold` embeddings (phase 2 calls this
 * after the clip stage). Returns what it did per model, for the caller to report.
 */
export function refreshIndexes(
  db: Db,
  place: AnnPlace,
  threshold: number,
  signal?: AbortSignal,
  adding?: (modelId: string, rows: number) => void,
): { modelId: string; outcome: UpdateOutcome | 'current'; rows: number }[] {
  const out: { modelId: string; outcome: UpdateOutcome | 'current'; rows: number }[] = [];
  for (const model of searchableModels(db)) {
    const key = { modelId: model.id, dim: model.dim };
    const base = annBase(place, model.id);
    const generation = modelGeneration(db, model.id);
    let manifest = readManifest(base, key);
    if (manifest?.generation === generation) {
      out.push({ modelId: model.id, outcome: 'current', rows: 0 });
      continue;
    }
    // Counted from the index only when something changed: a nightly scan that embedded nothing pays nothing here.
    if (embeddingCount(db, model.id) < threshold) {
      removeIndex(base);
      continue;
    }
    if (manifest && manifest.generation > generation) manifest = null;
    let changes = changesSince(db, key, manifest?.generation ?? -1, generation);
    if (changes.changed.length >= searchPatchLimit) adding?.(model.id, changes.changed.length);
    let outcome = updateIndex(base, key, manifest, changes, signal);
    if (outcome === 'failed' && manifest) {
      // The old files could not be read: start over from every row.
      removeIndex(base);
      changes = changesSince(db, key, -1, generation);
      outcome = updateIndex(base, key, null, changes, signal);
    }
    out.push({ modelId: model.id, outcome, rows: changes.changed.length });
  }
  return out;
}

/** Share of the index's rows the filter may return (an estimate: excluded ids may include files without one). */
function allowedShare(filter: FileFilter, count: number): number {
  if (count === 0) return 0;
  if (filter.mode === 'include') return Math.min(1, filter.ids.length / count);
  return Math.max(0, (count - filter.ids.length) / count);
}
