/**
 * Vector arithmetic and the catalog's vector encoding, with no imports, so the catalog, the models and search can
 * all use it. Embeddings are stored L2-normalised, so cosine similarity is a plain dot product. In the catalog a
 * vector is a little-endian float32 BLOB; in memory a set of vectors is one contiguous Float32Array (row-major, dim
 * per row).
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
