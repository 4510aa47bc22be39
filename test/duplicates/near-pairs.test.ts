/** Multi-index hashing finds exactly the pairs a comparison of all pairs finds, each once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { nearPairs, chunkRadii } from '../../src/duplicates/near-pairs.js';
import { distance, hashArray, type HashArray } from '../../src/duplicates/hashes.js';

/** Random hashes, and near copies of some (1..12 bits flipped) so every distance is represented. */
function hashes(n: number): HashArray {
  const hi = new Uint32Array(crypto.randomBytes(n * 4).buffer);
  const lo = new Uint32Array(crypto.randomBytes(n * 4).buffer);
  for (let i = 0; i + 1 < n; i += 3) {
    hi[i + 1] = hi[i]!;
    lo[i + 1] = lo[i]!;
    const flips = 1 + (i % 12);
    for (let f = 0; f < flips; f++) {
      const bit = crypto.randomInt(64);
      if (bit < 32) hi[i + 1]! ^= 1 << bit;
      else lo[i + 1]! ^= 1 << (bit - 32);
    }
  }
  return { hi, lo };
}

test('multi-index hashing returns every pair within the threshold exactly once, as comparing all pairs does', () => {
  const h = hashes(1500);
  for (const threshold of [0, 1, 3, 4, 5, 8, 10, 13]) {
    const expected = new Set<string>();
    for (let i = 0; i < 1500; i++) for (let j = i + 1; j < 1500; j++) if (distance(h, i, j) <= threshold) expected.add(`${i},${j}`);
    const found = nearPairs(h, threshold);
    const keys = found.a.map((a, k) => `${a},${found.b[k]}`);
    assert.equal(keys.length, new Set(keys).size, `threshold ${threshold}: a pair reported twice`);
    assert.deepEqual(new Set(keys), expected, `threshold ${threshold}`);
    found.d.forEach((d, k) => assert.equal(d, distance(h, found.a[k]!, found.b[k]!)));
  }
});

test('substring radii cover the threshold: r = 4s + a gives a + 1 substrings at s and the rest at s - 1', () => {
  assert.deepEqual(chunkRadii(8), [2, 1, 1, 1]);
  assert.deepEqual(chunkRadii(10), [2, 2, 2, 1]);
  assert.deepEqual(chunkRadii(3), [0, 0, 0, 0]);
  assert.deepEqual(chunkRadii(0), [0, -1, -1, -1]);
});

test('hashes are parsed from 16 hex digits and their distance counts differing bits', () => {
  const h = hashArray(['0000000000000000', 'ffffffffffffffff', '8000000000000001']);
  assert.equal(distance(h, 0, 1), 64);
  assert.equal(distance(h, 0, 2), 2);
  assert.throws(() => hashArray(['xyz']), /not a 64-bit hash/);
});
