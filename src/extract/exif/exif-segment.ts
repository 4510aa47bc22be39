/**
 * The EXIF block of a JPEG, found the way exiftool finds it: an APP1 segment whose "Exif\0" header may be in any
 * case, followed by any byte (not only \0), after up to 4 stray bytes. Some cameras of the late 1990s wrote such
 * headers; exifr looks for "Exif\0\0" exactly and misses the whole block.
 */
import { findApp1Where } from '../image-jpeg-segments.js';

const HEADER = 'exif\0';

/** The TIFF block inside the JPEG's EXIF segment, or null. */
export function findExifTiff(bytes: Uint8Array): Uint8Array | null {
  return findApp1Where(bytes, (b, start, end) => {
    for (let skip = 0; skip <= 4; skip++) {
      const at = start + skip;
      if (at + HEADER.length + 1 + 4 > end) return -1;
      if (matchesHeader(b, at) && isTiffOrder(b, at + HEADER.length + 1)) return at + HEADER.length + 1;
    }
    return -1;
  });
}

function matchesHeader(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < HEADER.length; i++) {
    const c = b[at + i]!;
    const lower = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
    if (lower !== HEADER.charCodeAt(i)) return false;
  }
  return true;
}

function isTiffOrder(b: Uint8Array, at: number): boolean {
  return (b[at] === 0x49 && b[at + 1] === 0x49) || (b[at] === 0x4d && b[at + 1] === 0x4d);
}
