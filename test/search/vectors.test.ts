import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cosine, fromBlob, normalize, toBlob, topK } from '../../src/search/vectors.js';
import { lcg } from '../clip-helpers.js';

test('topK equals a brute-force sort, best first, honouring the allow filter', () => {
  const rand = lcg(7);
  const dim = 13; // not a multiple of 4: exercises the tail loop
  const n = 500;
  const data = new Float32Array(n * dim).map(() => rand());
  const ids = Int32Array.from({ length: n }, (_, i) => i * 3 + 1);
  const query = normalize(new Float32Array(dim).map(() => rand()));
  const brute = [...ids]
    .map((id, row) => ({ fileId: id, score: data.subarray(row * dim, (row + 1) * dim).reduce((s, v, j) => s + v * query[j]!, 0) }))
    .sort((a, b) => b.score - a.score);
  const got = topK({ dim, ids, data }, query, 10);
  assert.deepEqual(got.map((h) => h.fileId), brute.slice(0, 10).map((h) => h.fileId));
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(got[i]!.score - brute[i]!.score) < 1e-4);
  const even = topK({ dim, ids, data }, query, 5, (id) => id % 2 === 0);
  assert.deepEqual(even.map((h) => h.fileId), brute.filter((h) => h.fileId % 2 === 0).slice(0, 5).map((h) => h.fileId));
  assert.equal(topK({ dim, ids, data }, query, 1000).length, n);
  assert.throws(() => topK({ dim, ids, data }, new Float32Array(3), 1), /3 dimensions, the vectors 13/);
});

test('blobs round-trip exactly; normalize makes unit vectors and leaves zero alone', () => {
  const v = Float32Array.from([3, 4, 0.1, -7.25]);
  assert.deepEqual(fromBlob(toBlob(v)), v);
  // An odd byte offset (as SQLite may hand back) still reads correctly.
  const shifted = Buffer.concat([Buffer.from([9]), toBlob(v)]).subarray(1);
  assert.deepEqual(fromBlob(shifted), v);
  const u = normalize(Float32Array.from([3, 4]));
  assert.ok(Math.abs(u[0]! - 0.6) < 1e-7 && Math.abs(u[1]! - 0.8) < 1e-7);
  assert.deepEqual(normalize(new Float32Array(2)), new Float32Array(2));
  assert.ok(Math.abs(cosine(Float32Array.from([1, 0]), Float32Array.from([1, 1])) - Math.SQRT1_2) < 1e-7);
});
