/**
 * Finds the main XMP packet of a JPEG by walking its APP1 segments. Pure byte work; used instead of the EXIF reader
 * for JPEGs because that reader can return an Extended XMP chunk in place of the main packet.
 */
import { findApp1 } from '../image-jpeg-segments.js';

const XMP_HEADER = 'http://ns.adobe.com/xap/1.0/\0';

/** The packet's bytes, or null when the JPEG has none (or the head given ends before it). */
export function findJpegXmp(bytes: Uint8Array): Uint8Array | null {
  return findApp1(bytes, XMP_HEADER);
}

/** XMP may be UTF-8 or UTF-16 (either order); the first '<' tells which. */
export function decodePacket(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lt = b.indexOf(0x3c);
  if (lt > 0 && b[lt - 1] === 0) return swap16(b.subarray(lt - 1)).toString('utf16le');
  if (lt >= 0 && b[lt + 1] === 0) return b.subarray(lt).toString('utf16le');
  return b.toString('utf8');
}

function swap16(b: Buffer): Buffer {
  const copy = Buffer.from(b.subarray(0, b.length - (b.length % 2)));
  return copy.swap16();
}
