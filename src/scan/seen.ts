/**
 * The ids a walk met, one bit per id: the mark of mark-and-sweep without writing every unchanged row
 * (1M files cost 125 KB here, where an UPDATE per row would rewrite the whole table on each rescan).
 */
export class SeenIds {
  private bits = new Uint8Array(1024);

  /** Marks `id`; true when it was not marked yet. */
  add(id: number): boolean {
    const byte = id >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    const bit = 1 << (id & 7);
    if ((this.bits[byte]! & bit) !== 0) return false;
    this.bits[byte]! |= bit;
    return true;
  }

  has(id: number): boolean {
    const byte = id >>> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (id & 7))) !== 0;
  }
}

/**
 * What one root's walk marked: `live` counts rows newly marked that are sure to be live rows of that root once the
 * walk's writes are done; `other` is set by any mark that may not be (a settling or unreadable file's row). When
 * `other` is unset and `live` equals the root's live rows after the walk, every one of them was met: the sweep has
 * nothing to look for and skips reading every id of the root.
 */
export interface WalkTally {
  live: number;
  other: boolean;
  /** Set when the walk wrote file rows: only then can the root's live row count differ from before the walk. */
  wrote: boolean;
}
