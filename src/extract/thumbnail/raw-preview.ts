/**
 * Finds the largest embedded JPEG preview inside a RAW file (DNG, CR2, CR3, NEF, ARW, ORF, RW2, RAF) by scanning for
 * JPEG start markers and reading each candidate's frame header. Pure byte work: no decoder runs on candidates, and
 * lossless-JPEG sensor data (SOF3, used for CR2/DNG raw pixels) is never mistaken for a preview.
 */

export interface EmbeddedJpeg {
  /** Byte offset of the SOI marker. */
  offset: number;
  width: number;
  height: number;
}

/** Baseline, extended and progressive Huffman JPEG: what ordinary decoders (and sharp) read. */
const PREVIEW_SOF = new Set([0xc0, 0xc1, 0xc2]);
/** Stop after this many candidates: compressed sensor data can contain many accidental start markers. */
const MAX_CANDIDATES = 256;

export function findLargestJpeg(bytes: Uint8Array): EmbeddedJpeg | null {
  let best: EmbeddedJpeg | null = null;
  let seen = 0;
  for (let i = bytes.indexOf(0xff); i >= 0 && i + 3 < bytes.length; i = bytes.indexOf(0xff, i + 1)) {
    if (bytes[i + 1] !== 0xd8 || bytes[i + 2] !== 0xff) continue;
    if (++seen > MAX_CANDIDATES) break;
    const frame = readFrameHeader(bytes, i);
    if (frame && (!best || frame.width * frame.height > best.width * best.height)) best = { offset: i, ...frame };
  }
  return best;
}

/** Walks marker segments from an SOI to the first SOF; null when the structure is not a readable JPEG. */
function readFrameHeader(bytes: Uint8Array, soi: number): { width: number; height: number } | null {
  let p = soi + 2;
  for (let guard = 0; guard < 64 && p + 4 <= bytes.length; guard++) {
    if (bytes[p] !== 0xff) return null;
    const marker = bytes[p + 1]!;
    if (marker === 0xff) {
      p += 1; // fill byte
      continue;
    }
    const length = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    if (length < 2) return null;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (!PREVIEW_SOF.has(marker) || p + 9 > bytes.length) return null;
      const height = (bytes[p + 5]! << 8) | bytes[p + 6]!;
      const width = (bytes[p + 7]! << 8) | bytes[p + 8]!;
      const components = bytes[p + 9];
      if (!width || !height || (components !== 1 && components !== 3)) return null;
      return { width, height };
    }
    if (marker === 0xda || marker === 0xd9) return null; // scan or end before any frame header
    p += 2 + length;
  }
  return null;
}
