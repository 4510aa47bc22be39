/**
 * When search uses the approximate index (ann-index.ts), and keeping that index in step with the catalog.
 *
 * Below `annThreshold` embeddings per model (and always with `--exact`) search scans every vector as before, so
 * small catalogs get exactly the results they always did. Above it, search asks the index for a wide beam of
 * candidates (beamFor) and re-scores the best of them exactly (rank.ts), which keeps printed scores exact and
 * recall@20 against the full scan at 0.98 or better. Filters are applied before the top-k cut: the beam's
 * candidates are checked against the filters best first until enough pass (candidate-filter.ts asks the catalog
 * about those rows only); a filter so narrow that too few of the beam pass goes to the full scan, which applies it
 * row by row. The results bring their copies (files of the same content identity, rank.ts), which the graph loses.
 *
 * The index is built or brought up to date at the end of a phase 2 that ran the clip stage (`indexer scan`,
 * `indexer resume`), where a long build belongs; a search never writes it. One that finds it a little behind (a few
 * thousand rows written since) scores those rows exactly beside the index's candidates, and one that finds it far
 * behind or missing answers from the full scan.
 */
import path from 'node:path';
import type { Db } from '../catalog/open.js';
import { catalogCacheKey } from '../catalog/catalog-url.js';
import { allVectors, embeddedIds, embeddingCount, idsWrittenSince, modelGeneration, searchableModels, vectorBatches } from '../catalog/embeddings.js';
import { indexIntact, openReader, readManifest, removeIndex, shardRows, updateIndex, type AnnChanges, type AnnKey, type AnnManifest, type UpdateOutcome } from './ann-index.js';
import type { CandidateFilter } from './candidate-filter.js';
import { topK } from './vectors.js';

/** Per model: at or above this many embeddings search answers from the index (INDEXER_SEARCH_ANN_MIN overrides). */
export const annThreshold = 100_000;
/** A search adds at most this many rows written since the index was built (scored exactly); more: the full scan answers. */
const searchPatchLimit = 5_000;
/**
 * Phase 2 leaves an intact index this many changed rows behind as it is (searches score those rows exactly, ~10-30
 * ms at 1,000): rewriting the whole index (0.63 GB per million) for a nightly scan's few photos costs more.
 */
const rewriteFrom = 1_000;
/**
 * How wide the graph search of each shard is (ann-index.ts: at most 1M rows each): this share of it, within bounds. Text queries are the hard case (they sit
 * away from every photo, and the photos of the group they point at score within hair's breadths of each other):
 * on the bench's 1M clustered set recall@20 of text queries measured 0.85 / 0.90 / 0.94 / 0.99 with beams of
 * 1,000 / 2,000 / 4,000 / 8,000 (photo-like `--like` queries: 1.0 from 1,000); on 100k, 0.92 / 0.99 / 1.0 with
 * 1,000 / 2,000 / 4,000 (5 / 7 / 14 ms on a loaded core), so smaller indexes get a larger share (1/25, up to 4,000:
 * 4,000 from 100k to 500k). A beam of 8,000 costs ~10-30 ms at 1M on one core.
 */
const beam = { share: 1 / 125, atLeast: 1_000, smallShare: 1 / 25, smallUpTo: 4_000, atMost: 100_000 };
/**
 * Of the beam, the best this many per result wanted (and at least) by the index's own int8 scores are re-scored
 * exactly: on the bench the exact top 20 was always within the index's first 200.
 */
const rescore = { perResult: 10, atLeast: 200 };
/** Candidates whose filters are checked in one catalog query, the first time (then twice as many each time). */
const firstFilterChunk = 512;

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

/** How many candidates the graph search gathers in an index of `count` rows. */
export function beamFor(count: number): number {
  const small = Math.min(beam.smallUpTo, Math.ceil(count * beam.smallShare));
  return Math.min(count, beam.atMost, Math.max(beam.atLeast, small, Math.ceil(count * beam.share)));
}

/**
 * Candidate file ids for the query from the model's index: the best of a wide graph search that pass the filter,
 * enough to re-score; null when search should scan instead (no usable index, below the threshold, or a filter so
 * narrow that too few of the beam pass it: the full scan then applies it row by row).
 */
export function annCandidates(db: Db, place: AnnPlace, key: AnnKey, query: Float32Array, want: number, filter: CandidateFilter, threshold: number): number[] | null {
  const base = annBase(place, key.modelId);
  const manifest = readManifest(base, key);
  if (!manifest || manifest.count < threshold) return null;
  const recent = recentCandidates(db, key, manifest.generation, query);
  if (!recent) return null;
  const reader = openReader(base, manifest);
  if (!reader) return null;
  const need = Math.max(want * rescore.perResult, rescore.atLeast);
  const ranked = reader.nearest(query, (rows) => Math.max(beamFor(rows), need));
  const out = firstPassing(filter, ranked, need);
  // Fewer than wanted passed, while more files may pass than the beam held: the full scan decides.
  if (out.length < need && ranked.length < reader.count) return null;
  const seen = new Set(out);
  for (const id of firstPassing(filter, recent, need)) if (!seen.has(id)) out.push(id);
  return out;
}

/** The first `need` of ids (best first) that pass the filter, checked in growing chunks: a broad filter is settled by the first. */
function firstPassing(filter: CandidateFilter, ids: number[], need: number): number[] {
  const out: number[] = [];
  for (let at = 0, size = firstFilterChunk; at < ids.length && out.length < need; at += size, size *= 2) {
    for (const id of filter.passing(ids.slice(at, at + size))) if (out.length < need) out.push(id);
  }
  return out;
}

/**
 * Rows written since the index was built (a scan that added a few photos, a re-embed), best first by their exact
 * score: the index does not hold them (or holds their old vectors), so they join its candidates; rows deleted since
 * drop out when re-scored (no vector left). A search never rewrites the index (phase 2 does); null when the index is
 * so far behind that the full scan should answer, or is from a newer catalog than this one.
 */
function recentCandidates(db: Db, key: AnnKey, since: number, query: Float32Array): number[] | null {
  const generation = modelGeneration(db, key.modelId);
  if (since === generation) return [];
  if (since > generation || idsWrittenSince(db, key.modelId, since).length > searchPatchLimit) return null;
  const rows = allVectors(db, key.modelId, key.dim, since);
  return topK(rows, query, rows.ids.length).map((h) => h.fileId);
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

/** What refreshIndexes did for a model: 'deferred' left an intact index a few rows behind (searches cover them). */
export interface RefreshResult {
  modelId: string;
  outcome: UpdateOutcome | 'current' | 'deferred';
  rows: number;
}

/**
 * Whether the index is behind by fewer than rewriteFrom rows: rows written since, plus entries of files that lost
 * their embedding (the index holds `count`; of those, count - (live - changed) are gone).
 */
function fewChanges(manifest: AnnManifest, changes: AnnChanges): boolean {
  const gone = Math.max(0, manifest.count - (changes.live.length - changes.changed.length));
  return changes.changed.length + gone < rewriteFrom;
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
  rowsPerShard = shardRows,
): RefreshResult[] {
  const out: RefreshResult[] = [];
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
    // Built from scratch: the files of an unusable index (another format, a newer catalog) go first, not left behind.
    if (!manifest) removeIndex(base);
    let changes = changesSince(db, key, manifest?.generation ?? -1, generation);
    if (manifest && fewChanges(manifest, changes) && indexIntact(base, manifest)) {
      out.push({ modelId: model.id, outcome: 'deferred', rows: changes.changed.length });
      continue;
    }
    if (changes.changed.length >= searchPatchLimit) adding?.(model.id, changes.changed.length);
    let outcome = updateIndex(base, key, manifest, changes, signal, rowsPerShard);
    if (outcome === 'failed' && manifest) {
      // The old files could not be read: start over from every row.
      removeIndex(base);
      changes = changesSince(db, key, -1, generation);
      outcome = updateIndex(base, key, null, changes, signal, rowsPerShard);
    }
    out.push({ modelId: model.id, outcome, rows: changes.changed.length });
  }
  return out;
}
