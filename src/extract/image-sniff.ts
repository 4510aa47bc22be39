/**
 * Decides what a file really is from its first bytes, so a misnamed file is decoded by the right decoder and
 * garbage never reaches a native decoder at all (the cheapest guard against decoder crashes).
 */
import { readU32 } from './image-isobmff.js';

export type SniffedFormat =
  | 'jpeg'
  | 'png'
  | 'gif'
  | 'webp'
  | 'tiff'
  | 'avif'
  | 'heic'
  | 'cr3'
  | 'raf'
  | 'orf'
  | 'rw2'
  | 'video'
  | 'unknown';

/** Bytes needed by sniffFormat. */
export const SNIFF_BYTES = 64;

export function sniffFormat(head: Uint8Array): SniffedFormat {
  const at = (i: number) => head[i] ?? -1;
  const ascii = (start: number, end: number) => String.fromCharCode(...head.subarray(start, end));
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*' || ascii(0, 4) === 'II+\0' || ascii(0, 4) === 'MM\0+') return 'tiff';
  if (ascii(0, 4) === 'IIRO' || ascii(0, 4) === 'IIRS' || ascii(0, 4) === 'MMOR') return 'orf';
  if (ascii(0, 4) === 'IIU\0') return 'rw2';
  if (ascii(0, 15) === 'FUJIFILMCCD-RAW') return 'raf';
  if (ascii(4, 8) === 'ftyp') return isoBrand(head);
  if (ascii(0, 4) === 'RIFF' && ascii(8, 11) === 'AVI') return 'video';
  if (at(0) === 0x1a && at(1) === 0x45 && at(2) === 0xdf && at(3) === 0xa3) return 'video';
  return 'unknown';
}

/** ISO base media files: the brands say whether it is AVIF, HEIC, a Canon CR3 or a video. */
function isoBrand(head: Uint8Array): SniffedFormat {
  const end = Math.min(head.length, Math.max(16, readU32(head, 0)));
  const brands: string[] = [];
  for (let i = 8; i + 4 <= end; i += 4) {
    if (i === 12) continue; // minor version, not a brand
    brands.push(String.fromCharCode(...head.subarray(i, i + 4)));
  }
  if (brands.includes('crx ')) return 'cr3';
  if (brands.includes('avif') || brands.includes('avis')) return 'avif';
  if (brands.some((b) => ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(b))) return 'heic';
  return 'video';
}

/** A short printable description of the first bytes, for "not an image" reasons. */
export function describeHead(head: Uint8Array): string {
  if (head.length === 0) return 'the file is empty';
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `it starts with bytes ${hex}`;
}

/** Bytes of the file's end that looksTruncated inspects. */
export const TAIL_BYTES = 1024;

/**
 * Whether a JPEG or PNG lacks its end marker: decoders often report a cut-off file vaguely ("Unknown error"),
 * so a failure reason names the likely cause when the structure says so. Unknown for other formats.
 */
export function looksTruncated(format: SniffedFormat, tail: Uint8Array): boolean {
  if (format === 'jpeg') {
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return false;
    return true;
  }
  if (format === 'png') return !Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength).includes('IEND', 0, 'latin1');
  return false;
}
