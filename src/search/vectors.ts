/**
 * Ranking over a set of L2-normalised vectors: the top k by dot product. The arithmetic and the BLOB encoding live in
 * the leaf module src/vectors.ts (the catalog and the models use them too); they are re-exported here for search code.
 */
import type { VectorSet } from '../vectors.js';

export { cosine, fromBlob, normalize, toBlob, type VectorSet } from '../vectors.js';

export interface Hit {
  fileId: number;
  score: number;
}

/**
 * The k rows of `set` with the highest dot product with `query`, best first. `allow`, when given, limits the
 * rows considered. One pass with a small min-heap: O(n dim + n log k), no per-row allocation.
 */
export function topK(set: VectorSet, query: Float32Array, k: number, allow?: (fileId: number) => boolean): Hit[] {
  const { dim, data, ids } = set;
  if (query.length !== dim) throw new Error(`query has ${query.length} dimensions, the vectors ${dim}`);
  const heapScores = new Float64Array(k);
  const heapIds = new Int32Array(k);
  let size = 0;
  const n = ids.length;
  for (let row = 0; row < n; row++) {
    const id = ids[row]!;
    if (allow && !allow(id)) continue;
    const base = row * dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    // Four accumulators let V8 overlap the multiply-adds.
    for (; j + 3 < dim; j += 4) {
      s0 += data[base + j]! * query[j]!;
      s1 += data[base + j + 1]! * query[j + 1]!;
      s2 += data[base + j + 2]! * query[j + 2]!;
      s3 += data[base + j + 3]! * query[j + 3]!;
    }
    for (; j < dim; j++) s0 += data[base + j]! * query[j]!;
    const score = s0 + s1 + s2 + s3;
    if (size < k) {
      heapScores[size] = score;
      heapIds[size] = id;
      siftUp(heapScores, heapIds, size++);
    } else if (k > 0 && score > heapScores[0]!) {
      heapScores[0] = score;
      heapIds[0] = id;
      siftDown(heapScores, heapIds, size);
    }
  }
  const hits: Hit[] = [];
  for (let i = 0; i < size; i++) hits.push({ fileId: heapIds[i]!, score: heapScores[i]! });
  return hits.sort((a, b) => b.score - a.score || a.fileId - b.fileId);
}

function siftUp(scores: Float64Array, ids: Int32Array, i: number): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (scores[parent]! <= scores[i]!) return;
    swap(scores, ids, i, parent);
    i = parent;
  }
}

function siftDown(scores: Float64Array, ids: Int32Array, size: number): void {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let min = i;
    if (l < size && scores[l]! < scores[min]!) min = l;
    if (r < size && scores[r]! < scores[min]!) min = r;
    if (min === i) return;
    swap(scores, ids, i, min);
    i = min;
  }
}

function swap(scores: Float64Array, ids: Int32Array, a: number, b: number): void {
  const s = scores[a]!;
  scores[a] = scores[b]!;
  scores[b] = s;
  const id = ids[a]!;
  ids[a] = ids[b]!;
  ids[b] = id;
}
