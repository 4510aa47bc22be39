/**
 * Synthetic 64-bit perceptual hashes for the duplicates benchmarks: N random hashes, with every 100th followed by a
 * near copy of it (1 to 10 bits flipped).
 */
import crypto from 'node:crypto';

/** Hash i is words[2i] (high half) and words[2i + 1] (low half). */
export function syntheticHashWords(n: number): Uint32Array {
  const words = new Uint32Array(crypto.randomBytes(n * 8).buffer);
  for (let i = 0; i + 1 < n; i += 100) {
    words[(i + 1) * 2] = words[i * 2]!;
    words[(i + 1) * 2 + 1] = words[i * 2 + 1]!;
    for (let f = 0; f < 1 + (i % 10); f++) {
      const bit = crypto.randomInt(64);
      words[(i + 1) * 2 + (bit >> 5)]! ^= 1 << (bit & 31);
    }
  }
  return words;
}

/** Hash i of `words` as the catalog stores it: 16 hex digits. */
export function hashHex(words: Uint32Array, i: number): string {
  return words[i * 2]!.toString(16).padStart(8, '0') + words[i * 2 + 1]!.toString(16).padStart(8, '0');
}
