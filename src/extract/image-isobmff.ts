/**
 * Checks the box structure of ISO base media files (HEIC, AVIF, CR3) before a metadata parser walks it: a box whose
 * size is zero or smaller than its header sends naive parsers (exifr among them) into an endless loop, which would
 * hang a worker for good. Pure byte work over the head of the file.
 */

/** Containers whose children the check also walks (meta is a full box: 4 bytes of version and flags first). */
const CONTAINERS: Record<string, number> = { meta: 4, moov: 0, iprp: 0, ipco: 0, dinf: 0, trak: 0 };

/** null when the boxes seen are sound; else what is wrong. */
export function checkIsoBoxes(bytes: Uint8Array): string | null {
  return walk(bytes, 0, bytes.length, 0);
}

function walk(b: Uint8Array, start: number, end: number, depth: number): string | null {
  let p = start;
  let count = 0;
  while (p + 8 <= end) {
    if (++count > 4096) return `more than 4096 boxes at offset ${start}`;
    let size = readU32(b, p);
    const type = String.fromCharCode(b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!);
    if (!/^[\x20-\x7e]{4}$/.test(type)) return `a box at offset ${p} has no readable type`;
    let header = 8;
    if (size === 1) {
      if (p + 16 > b.length) return null; // 64-bit size beyond what we read: cannot judge, let it be
      size = readU32(b, p + 8) * 2 ** 32 + readU32(b, p + 12);
      header = 16;
    } else if (size === 0) {
      // "Extends to the end of the file": only media data is ever written that way.
      return type === 'mdat' && depth === 0 ? null : `the '${type}' box at offset ${p} has size 0`;
    }
    if (size < header) return `the '${type}' box at offset ${p} is smaller than its header (${size} bytes)`;
    const skip = CONTAINERS[type];
    if (skip !== undefined && depth < 4) {
      const inner = walk(b, p + header + skip, Math.min(end, p + size), depth + 1);
      if (inner) return inner;
    }
    p += size;
  }
  return null;
}

/** One box found by childBoxes: its type and where its payload (after the size/type header) starts and ends. */
export interface IsoBox {
  type: string;
  /** Offset of the payload, just past the header (a full box's version and flags are part of the payload). */
  start: number;
  /** Offset just past the box, never beyond the enclosing range. */
  end: number;
}

/**
 * The boxes laid one after another in bytes[start, end). Stops quietly at the first box that cannot be read (size
 * smaller than its header, or running past the range): callers read optional facts and treat absence as "not there".
 */
export function childBoxes(b: Uint8Array, start: number, end: number): IsoBox[] {
  const boxes: IsoBox[] = [];
  let p = start;
  while (p + 8 <= end && boxes.length < 4096) {
    let size = readU32(b, p);
    let header = 8;
    if (size === 1) {
      if (p + 16 > end) break;
      size = readU32(b, p + 8) * 2 ** 32 + readU32(b, p + 12);
      header = 16;
    } else if (size === 0) {
      size = end - p; // "extends to the end of the file"
    }
    if (size < header || p + size > end) break;
    boxes.push({ type: String.fromCharCode(b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!), start: p + header, end: p + size });
    p += size;
  }
  return boxes;
}

/** Big-endian unsigned 32-bit read (no bounds check: callers check ranges first). */
export function readU32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}
