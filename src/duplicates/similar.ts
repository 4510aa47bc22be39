/**
 * Pairs of unit-length embeddings with cosine >= `minCosine`, as edges whose distance is 1 - cosine. Compares all
 * pairs (n^2 / 2 dot products): `--similar` is opt-in, and for a 20,000-photo library with 512-wide embeddings that
 * is about 1e11 multiply-adds.
 */
import type { Edges } from './grouping.js';

export function similarPairs(vectors: Float32Array[], minCosine: number): Edges {
  const a: number[] = [];
  const b: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < vectors.length; i++) {
    const vi = vectors[i]!;
    for (let j = i + 1; j < vectors.length; j++) {
      const vj = vectors[j]!;
      if (vj.length !== vi.length) continue;
      let dot = 0;
      for (let k = 0; k < vi.length; k++) dot += vi[k]! * vj[k]!;
      if (dot >= minCosine) a.push(i), b.push(j), d.push(1 - dot);
    }
  }
  return { a, b, d };
}
