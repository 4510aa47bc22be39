/**
 * Embeddings are stored L2-normalised, so cosine similarity is a plain dot product. In the catalog a vector is a
 * little-endian float32 BLOB; in memory a set of vectors is one contiguous Float32Array (row-major, dim per row).
 */

/** Scales v to unit length in place (a zero vector stays zero) and returns it. */
export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
  }
  return v;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** Float32Array -> BLOB (a copy, little-endian as every platform Node runs on). */
export function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** BLOB -> Float32Array, copied into `into` at `offset` when given (avoids one allocation per row on bulk loads). */
export function fromBlob(blob: Buffer, into?: Float32Array, offset = 0): Float32Array {
  const n = blob.length >>> 2;
  const target = into ?? new Float32Array(n);
  if (blob.byteOffset % 4 === 0) target.set(new Float32Array(blob.buffer, blob.byteOffset, n), offset);
  else for (let i = 0; i < n; i++) target[offset + i] = blob.readFloatLE(i * 4);
  return target;
}

/** A set of same-width vectors with their file ids. */
export interface VectorSet {
  dim: number;
  ids: Int32Array | number[];
  /** ids.length * dim floats. */
  data: Float32Array;
}

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
