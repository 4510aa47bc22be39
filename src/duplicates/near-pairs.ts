/**
 * Every pair of 64-bit hashes within a Hamming distance, by multi-index hashing (Norouzi, Punjani and Fleet,
 * "Fast Search in Hamming Space with Multi-Index Hashing", CVPR 2012), not by comparing all pairs.
 *
 * The hash is cut into four 16-bit substrings. Writing the threshold r = 4s + a (0 <= a < 4): two hashes within r
 * differ by at most s bits in one of the first a + 1 substrings, or by at most s - 1 in one of the others (else the
 * distances add up to more than r). So for each substring, items are bucketed by its value, and only buckets whose
 * keys are that close are compared. A pair is kept by the first substring that finds it, so none is reported twice.
 * Comparisons grow as n^2 * C(16, <=s) / 65536: about 1e9 for a million random hashes at r = 10.
 */
import { popcount32, type HashArray } from './hashes.js';

/** Found pairs: item a, item b (a < b) and their distance, in parallel arrays. */
export interface Pairs {
  a: number[];
  b: number[];
  d: number[];
}

const CHUNKS = 4;

function chunkOf(h: HashArray, i: number, c: number): number {
  const word = c < 2 ? h.hi[i]! : h.lo[i]!;
  return c % 2 === 0 ? word >>> 16 : word & 0xffff;
}

/** Substring radius per chunk for threshold r (negative: the chunk finds nothing the others miss). */
export function chunkRadii(r: number): number[] {
  const s = Math.floor(r / CHUNKS);
  const a = r - CHUNKS * s;
  return Array.from({ length: CHUNKS }, (_, c) => (c <= a ? s : s - 1));
}

/** 16-bit masks with at most `radius` bits set. */
function masksWithin(radius: number): number[] {
  const out: number[] = [];
  for (let m = 0; m < 65536; m++) if (popcount32(m) <= radius) out.push(m);
  return out;
}

/** Part of the work: only buckets whose keys lie in [from, to) are compared with their neighbours (for threads). */
export interface KeyRange {
  from: number;
  to: number;
}

export function nearPairs(h: HashArray, threshold: number, range: KeyRange = { from: 0, to: 65536 }): Pairs {
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > 64) throw new Error(`threshold must be 0..64, got ${threshold}`);
  const out: Pairs = { a: [], b: [], d: [] };
  const radii = chunkRadii(threshold);
  for (let c = 0; c < CHUNKS; c++) {
    if (radii[c]! < 0) continue;
    const sorted = buckets(h, c);
    for (const mask of masksWithin(radii[c]!)) comparePairs(h, sorted, mask, threshold, c, radii, range, out);
  }
  return out;
}

/**
 * Compares every bucket with the bucket whose key differs by `mask`. The hashes are read from copies laid out in
 * bucket order, so the inner loop walks memory in sequence: it runs about a billion times for a million hashes.
 */
function comparePairs(
  h: HashArray,
  sorted: Sorted,
  mask: number,
  threshold: number,
  c: number,
  radii: number[],
  range: KeyRange,
  out: Pairs,
): void {
  const { start, order, hi, lo } = sorted;
  const { from, to } = range;
  for (let key = from; key < to; key++) {
    const other = key ^ mask;
    if (other < key) continue;
    const b0 = start[key]!;
    const b1 = start[key + 1]!;
    const o1 = start[other + 1]!;
    for (let x = b0; x < b1; x++) {
      const xh = hi[x]!;
      const xl = lo[x]!;
      for (let y = other === key ? x + 1 : start[other]!; y < o1; y++) {
        const d = popcount32((xh ^ hi[y]!) >>> 0) + popcount32((xl ^ lo[y]!) >>> 0);
        if (d > threshold) continue;
        const i = order[x]!;
        const j = order[y]!;
        if (foundEarlier(h, i, j, c, radii)) continue;
        out.a.push(Math.min(i, j));
        out.b.push(Math.max(i, j));
        out.d.push(d);
      }
    }
  }
}

/** Whether an earlier substring already reported this pair (its keys are within that substring's radius). */
function foundEarlier(h: HashArray, i: number, j: number, c: number, radii: number[]): boolean {
  for (let e = 0; e < c; e++) {
    if (radii[e]! >= 0 && popcount32(chunkOf(h, i, e) ^ chunkOf(h, j, e)) <= radii[e]!) return true;
  }
  return false;
}

interface Sorted {
  /** Bucket k is positions start[k] .. start[k + 1] of the arrays below. */
  start: Uint32Array;
  /** Item index at each position. */
  order: Uint32Array;
  /** The item's hash halves at each position. */
  hi: Uint32Array;
  lo: Uint32Array;
}

/** Items sorted by one substring (counting sort). */
function buckets(h: HashArray, c: number): Sorted {
  const n = h.hi.length;
  const start = new Uint32Array(65537);
  for (let i = 0; i < n; i++) start[chunkOf(h, i, c) + 1]!++;
  for (let k = 0; k < 65536; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, 65536);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[fill[chunkOf(h, i, c)]!++] = i;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let x = 0; x < n; x++) {
    hi[x] = h.hi[order[x]!]!;
    lo[x] = h.lo[order[x]!]!;
  }
  return { start, order, hi, lo };
}
