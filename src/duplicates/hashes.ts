/** 64-bit perceptual hashes in memory: two Uint32Arrays (high and low halves), and their Hamming distance. */

export interface HashArray {
  hi: Uint32Array;
  lo: Uint32Array;
}

/** Bits set in every 16-bit value: the distance of two hashes is four lookups. */
const POP16 = (() => {
  const t = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) t[i] = (i & 1) + t[i >>> 1]!;
  return t;
})();

export function popcount32(x: number): number {
  return POP16[x & 0xffff]! + POP16[x >>> 16]!;
}

/** Hamming distance of items i and j. */
export function distance(h: HashArray, i: number, j: number): number {
  return popcount32((h.hi[i]! ^ h.hi[j]!) >>> 0) + popcount32((h.lo[i]! ^ h.lo[j]!) >>> 0);
}

/** Parses 16 hex digits per hash (the catalog's form). Throws on anything else: a bad row is a bug, not input. */
export function hashArray(hex: readonly string[]): HashArray {
  const hi = new Uint32Array(hex.length);
  const lo = new Uint32Array(hex.length);
  hex.forEach((h, i) => {
    // Number() of '0x' + 8 hex digits is NaN for anything else (parseInt would stop quietly at a bad digit).
    const high = h.length === 16 ? Number('0x' + h.slice(0, 8)) : NaN;
    const low = h.length === 16 ? Number('0x' + h.slice(8)) : NaN;
    if (Number.isNaN(high) || Number.isNaN(low)) throw new Error(`not a 64-bit hash: '${h}'`);
    hi[i] = high;
    lo[i] = low;
  });
  return { hi, lo };
}
