/** A real catalog of 512-d clustered embeddings (CLIP-like: photos come in groups) for the approximate-index tests. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after } from 'node:test';
import { recordModel, saveEmbedding } from '../../src/catalog/embeddings.js';
import type { FileFilter } from '../../src/catalog/embeddings.js';
import { listFilter, type CandidateFilter } from '../../src/search/candidate-filter.js';
import { rank } from '../../src/search/rank.js';
import { normalize, type Hit } from '../../src/search/vectors.js';
import { addFile, lcg, makeCatalog, type TestCatalog } from '../clip-helpers.js';

export const dim = 512;
export const modelId = 'synthetic@000000000000';
export const key = { modelId, dim };

export interface Synthetic {
  c: TestCatalog;
  ids: number[];
  centers: Float32Array[];
  rand: () => number;
}

export function clustered(rand: () => number, centers: Float32Array[], spread = 0.8): Float32Array {
  const c = centers[Math.floor(((rand() + 1) / 2) * centers.length)]!;
  return normalize(Float32Array.from(c, (x) => x + rand() * spread));
}

const made: TestCatalog[] = [];
after(() => {
  for (const c of made) {
    c.db.close();
    fs.rmSync(c.dir, { recursive: true, force: true });
  }
});

export function syntheticCatalog(n: number): Synthetic {
  const c = makeCatalog('ann');
  made.push(c);
  const rand = lcg(42);
  const centers = Array.from({ length: 40 }, () => Float32Array.from({ length: dim }, () => rand()));
  recordModel(c.db, { id: modelId, name: 'synthetic', dir: c.dir, dim }, 1);
  const ids: number[] = [];
  c.db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const f = addFile(c, `p${i}.jpg`);
      saveEmbedding(c.db, f.id, modelId, clustered(rand, centers), 1);
      ids.push(f.id);
    }
  })();
  return { c, ids, centers, rand };
}

export const place = (c: TestCatalog) => ({ dir: c.cacheDir, catalogPath: c.dbPath });
export const noFilter = { mode: 'exclude' as const, ids: new Int32Array() };
export const env = { INDEXER_SEARCH_ANN_MIN: '1000' };

export async function both(s: Synthetic, query: Float32Array, filter: FileFilter | CandidateFilter = noFilter): Promise<{ ann: Hit[]; exact: Hit[] }> {
  const o = { limit: 20, filter: 'passing' in filter ? filter : listFilter(filter), cache: place(s.c), env };
  return { ann: await rank(s.c.db, modelId, query, { ...o, exact: false }), exact: await rank(s.c.db, modelId, query, { ...o, exact: true }) };
}

export function recall(ann: Hit[], exact: Hit[]): number {
  const truth = new Set(exact.map((h) => h.fileId));
  return ann.filter((h) => truth.has(h.fileId)).length / exact.length;
}

/** Mean recall@20 of the index against --exact over `queries` queries; every score the index gives is the exact one. */
export async function indexRecall(s: Synthetic, queries: number): Promise<number> {
  let total = 0;
  for (let q = 0; q < queries; q++) {
    const { ann, exact } = await both(s, clustered(s.rand, s.centers, 2));
    total += recall(ann, exact) / queries;
    const exactScore = new Map(exact.map((h) => [h.fileId, h.score]));
    for (const h of ann) if (exactScore.has(h.fileId)) assert.equal(h.score, exactScore.get(h.fileId));
  }
  return total;
}
