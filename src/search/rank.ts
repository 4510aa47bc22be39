/** One model's best matches for a query vector, with exact scores. */
import type { Db } from '../catalog/open.js';
import { vectorsOf } from '../catalog/embeddings.js';
import type { CandidateFilter } from './candidate-filter.js';
import { annCandidates, thresholdFrom } from './ann-store.js';
import { candidates as findCandidates, type VectorCache } from './vector-store.js';
import type { Hit } from './vectors.js';

export interface RankOptions {
  limit: number;
  /** Which files may be returned; applied before the top-k cut. */
  filter: CandidateFilter;
  /** --exact: the full scan even where the index would answer. */
  exact: boolean;
  /** Where the vector file and the index live (none: everything in memory, full scan). */
  cache?: VectorCache;
  env: NodeJS.ProcessEnv;
}

/**
 * Candidates come from the approximate index on big catalogs (ann-store.ts), else from the full scan over the
 * quantized vectors; either way exact float32 scores from the catalog then decide the order and are what the user
 * sees.
 */
export async function rank(db: Db, modelId: string, query: Float32Array, o: RankOptions): Promise<Hit[]> {
  const { limit, filter, cache } = o;
  const fromIndex = !o.exact && cache ? annCandidates(db, cache, { modelId, dim: query.length }, query, limit, filter, thresholdFrom(o.env)) : null;
  if (fromIndex) {
    const hits = rescore(db, modelId, query, fromIndex, limit);
    // Short of a full page (candidates deleted since the index was built, or few files pass): the full scan is sure.
    if (hits.length >= limit) return hits;
  }
  const ids = (await findCandidates(db, modelId, query, Math.max(limit * 4, limit + 64), filter.all(), cache)).map((c) => c.fileId);
  return rescore(db, modelId, query, ids, limit);
}

/** The best `limit` of the candidates by exact float32 score (a candidate without a vector of this model drops out). */
function rescore(db: Db, modelId: string, query: Float32Array, ids: number[], limit: number): Hit[] {
  const exactVectors = vectorsOf(db, modelId, ids);
  const hits: Hit[] = [];
  for (const id of ids) {
    const v = exactVectors.get(id);
    if (!v) continue;
    let score = 0;
    for (let j = 0; j < v.length; j++) score += v[j]! * query[j]!;
    hits.push({ fileId: id, score });
  }
  return hits.sort((a, b) => b.score - a.score || a.fileId - b.fileId).slice(0, limit);
}
