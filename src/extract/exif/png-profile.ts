/**
 * ImageMagick (and tools following it) store EXIF in PNG text chunks as a hex "raw profile" rather than in an eXIf
 * chunk, which exifr does not read. This finds that profile and returns its TIFF block. Pure, bounded byte work.
 */
import { inflateSync } from 'node:zlib';

const SIGNATURE = '\x89PNG\r\n\x1a\n';
const KEYWORDS = ['Raw profile type exif', 'Raw profile type APP1'];
/** Compressed profiles larger than this are not worth inflating for a few tags. */
const MAX_PROFILE_BYTES = 4 * 1024 * 1024;

export function isPng(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(8, bytes.byteLength)).toString('latin1') === SIGNATURE;
}

/** The TIFF block inside a raw EXIF profile, or null. */
export function pngRawProfile(bytes: Uint8Array): Uint8Array | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = 8; p + 12 <= b.length; ) {
    const length = b.readUInt32BE(p);
    const type = b.toString('latin1', p + 4, p + 8);
    const data = b.subarray(p + 8, Math.min(b.length, p + 8 + length));
    if ((type === 'tEXt' || type === 'zTXt') && length <= MAX_PROFILE_BYTES) {
      const nul = data.indexOf(0);
      const keyword = nul > 0 ? data.toString('latin1', 0, nul) : '';
      if (KEYWORDS.includes(keyword)) {
        const text = type === 'tEXt' ? data.subarray(nul + 1) : inflate(data.subarray(nul + 2));
        const block = text ? decodeProfile(text.toString('latin1')) : null;
        if (block) return block;
      }
    }
    if (type === 'IEND') break;
    p += 12 + length;
  }
  return null;
}

function inflate(data: Buffer): Buffer | null {
  try {
    return inflateSync(data, { maxOutputLength: MAX_PROFILE_BYTES });
  } catch {
    return null;
  }
}

/** "\nexif\n   1234\n4578696600004d4d..." -> the bytes after an optional "Exif\0\0" header. */
function decodeProfile(text: string): Uint8Array | null {
  const m = /^\s*\S+\s+(\d+)\s+([0-9a-fA-F\s]+)/.exec(text);
  if (!m) return null;
  const bytes = Buffer.from(m[2]!.replace(/\s+/g, ''), 'hex');
  const start = bytes.toString('latin1', 0, 6) === 'Exif\0\0' ? 6 : 0;
  return bytes.subarray(start);
}
