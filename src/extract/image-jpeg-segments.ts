/** Walks a JPEG's marker segments (pure byte work): where its metadata blocks are, and nothing else. */

/** Payload of the first APP1 segment whose payload starts with `header`, without the header; null if none. */
export function findApp1(bytes: Uint8Array, header: string): Uint8Array | null {
  return findApp1Where(bytes, (b, start) => (startsWith(b, start, header) ? start + header.length : -1));
}

/**
 * The body of the first APP1 segment that `bodyAt` accepts: given the segment's start and end, it returns where the
 * body begins, or -1 to look further.
 */
export function findApp1Where(bytes: Uint8Array, bodyAt: (bytes: Uint8Array, start: number, end: number) => number): Uint8Array | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return null;
    const marker = bytes[p + 1]!;
    if (marker === 0xff) {
      p += 1; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // image data starts: no more metadata segments
    const length = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    if (length < 2) return null;
    const start = p + 4;
    const end = Math.min(bytes.length, p + 2 + length);
    if (marker === 0xe1) {
      const body = bodyAt(bytes, start, end);
      if (body >= 0) return bytes.subarray(body, end);
    }
    p += 2 + length;
  }
  return null;
}

function startsWith(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Offset of the first image-data marker (SOS) after the metadata segments; -1 when the bytes end before it. */
export function jpegSegmentsEnd(bytes: Uint8Array): number {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return -1;
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return p; // damaged: nothing more to find by walking
    const marker = bytes[p + 1]!;
    if (marker === 0xff) {
      p += 1;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return p;
    p += 2 + ((bytes[p + 2]! << 8) | bytes[p + 3]!);
  }
  return -1;
}
