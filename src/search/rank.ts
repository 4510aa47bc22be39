/** One model's best matches for a query vector, with exact scores. */
import type { Db } from '../catalog/open.js';
import { copiesOf, vectorsOf } from '../catalog/embeddings.js';
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
    const hits = withCopies(db, modelId, query, rescore(db, modelId, query, fromIndex, limit), o);
    // Short of a full page (candidates deleted since the index was built, or few files pass): the full scan is sure.
    if (hits.length >= limit) return hits;
  }
  const ids = (await findCandidates(db, modelId, query, Math.max(limit * 4, limit + 64), filter.all(), cache)).map((c) => c.fileId);
  return rescore(db, modelId, query, ids, limit);
}

/**
 * The index's results joined by their copies (files of the same content identity, kept in several folders): copies
 * embed to one vector, and a graph keeps such exact twins poorly for queries far from every photo (in a 200k index
 * of the bench's vectors, text recall@20 fell from 0.996 to 0.988 with every photo there twice, to 0.919 five
 * times). A copy scores what its twin scores, so only the results' own copies can enter the top `limit`: one catalog
 * query for those, re-scored exactly like any candidate (an identity shared by different contents costs nothing more).
 */
function withCopies(db: Db, modelId: string, query: Float32Array, hits: Hit[], o: RankOptions): Hit[] {
  const ids = hits.map((h) => h.fileId);
  const copies = o.filter.passing(copiesOf(db, modelId, ids, o.limit));
  // The hits are scored already: only the copies' vectors are read.
  return copies.length === 0 ? hits : best([...hits, ...scored(db, modelId, query, copies)], o.limit);
}

/** The best `limit` of the candidates by exact float32 score (a candidate without a vector of this model drops out). */
function rescore(db: Db, modelId: string, query: Float32Array, ids: number[], limit: number): Hit[] {
  return best(scored(db, modelId, query, ids), limit);
}

/** Exact float32 scores of the candidates that hold a vector of this model, in the order given. */
function scored(db: Db, modelId: string, query: Float32Array, ids: number[]): Hit[] {
  const exactVectors = vectorsOf(db, modelId, ids);
  const hits: Hit[] = [];
  for (const id of ids) {
    const v = exactVectors.get(id);
    if (!v) continue;
    let score = 0;
    for (let j = 0; j < v.length; j++) score += v[j]! * query[j]!;
    hits.push({ fileId: id, score });
  }
  return hits;
}

function best(hits: Hit[], limit: number): Hit[] {
  return hits.sort((a, b) => b.score - a.score || a.fileId - b.fileId).slice(0, limit);
}
