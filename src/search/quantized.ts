/**
 * The compact form search scans: each unit vector as int8 codes with one float scale (v ≈ codes * scale), a quarter
 * of float32's size, so a million 512-d embeddings are about 0.5 GB to read. Ranking scans the codes for a
 * generous candidate list and the caller re-scores those candidates exactly from the float32 vectors, so the
 * scores it prints are exact and the order is only ever affected among near-ties far below the cut.
 */
import type { FileFilter } from '../catalog/embeddings.js';
import type { Hit } from './vectors.js';

export interface QuantizedSet {
  dim: number;
  count: number;
  ids: Int32Array;
  scales: Float32Array;
  /** count * dim codes, row-major. */
  codes: Int8Array;
}

/** Quantizes row-major float vectors (each scaled so its largest magnitude maps to 127). */
export function quantize(ids: Int32Array, data: Float32Array, dim: number): QuantizedSet {
  const count = ids.length;
  const scales = new Float32Array(count);
  const codes = new Int8Array(count * dim);
  for (let r = 0; r < count; r++) {
    const base = r * dim;
    let max = 0;
    for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(data[base + j]!));
    const scale = max > 0 ? max / 127 : 1;
    scales[r] = scale;
    const inv = 1 / scale;
    for (let j = 0; j < dim; j++) codes[base + j] = Math.round(data[base + j]! * inv);
  }
  return { dim, count, ids: ids.slice(), scales, codes };
}

/** topKQuantized's `allow` for a search filter; none when nothing is excluded (saves a lookup per row). */
export function allowFor(filter: FileFilter): ((fileId: number) => boolean) | undefined {
  if (filter.mode === 'exclude' && filter.ids.length === 0) return undefined;
  const ids = new Set(filter.ids);
  return filter.mode === 'exclude' ? (id) => !ids.has(id) : (id) => ids.has(id);
}

/** Approximate top `k` by dot product with `query`; `allow` limits the rows considered. Best first. */
export function topKQuantized(set: QuantizedSet, query: Float32Array, k: number, allow?: (fileId: number) => boolean): Hit[] {
  const { dim, count, ids, scales, codes } = set;
  if (query.length !== dim) throw new Error(`query has ${query.length} dimensions, the vectors ${dim}`);
  const best: Hit[] = [];
  let floor = -Infinity;
  for (let r = 0; r < count; r++) {
    const id = ids[r]!;
    if (allow && !allow(id)) continue;
    const base = r * dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j + 3 < dim; j += 4) {
      s0 += codes[base + j]! * query[j]!;
      s1 += codes[base + j + 1]! * query[j + 1]!;
      s2 += codes[base + j + 2]! * query[j + 2]!;
      s3 += codes[base + j + 3]! * query[j + 3]!;
    }
    for (; j < dim; j++) s0 += codes[base + j]! * query[j]!;
    const score = (s0 + s1 + s2 + s3) * scales[r]!;
    if (best.length < k || score > floor) {
      best.push({ fileId: id, score });
      // Compact rarely: keep up to 2k, then cut back to the best k (amortised O(1) per row).
      if (best.length >= 2 * k) {
        best.sort((a, b) => b.score - a.score);
        best.length = k;
        floor = best[k - 1]!.score;
      }
    }
  }
  best.sort((a, b) => b.score - a.score || a.fileId - b.fileId);
  return best.slice(0, k);
}

/** The rows of a set that `keep` accepts (by id or by row number), in their order (a new set). */
export function keepRows(set: QuantizedSet, keep: (id: number, row: number) => boolean): QuantizedSet {
  const { dim } = set;
  const rows: number[] = [];
  for (let r = 0; r < set.count; r++) if (keep(set.ids[r]!, r)) rows.push(r);
  const ids = new Int32Array(rows.length);
  const scales = new Float32Array(rows.length);
  const codes = new Int8Array(rows.length * dim);
  rows.forEach((r, i) => {
    ids[i] = set.ids[r]!;
    scales[i] = set.scales[r]!;
    codes.set(set.codes.subarray(r * dim, (r + 1) * dim), i * dim);
  });
  return { dim, count: rows.length, ids, scales, codes };
}

/** Whether an ascending array holds VALUE (binary search); the vector file and the ANN index both test live ids. */
export function sortedHas(sorted: Int32Array, value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid]!;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
