/**
 * Finds the main XMP packet of a JPEG by walking its APP1 segments. Pure byte work; used instead of the EXIF reader
 * for JPEGs because that reader can return an Extended XMP chunk in place of the main packet.
 */
const XMP_HEADER = 'http://ns.adobe.com/xap/1.0/\0';

/** The packet's bytes, or null when the JPEG has none (or the head given ends before it). */
export function findJpegXmp(bytes: Uint8Array): Uint8Array | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return null;
    const marker = bytes[p + 1]!;
    if (marker === 0xff) {
      p += 1;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // image data starts: no more metadata segments
    const length = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    if (length < 2) return null;
    const start = p + 4;
    const end = Math.min(bytes.length, p + 2 + length);
    if (marker === 0xe1 && matches(bytes, start, XMP_HEADER)) return bytes.subarray(start + XMP_HEADER.length, end);
    p += 2 + length;
  }
  return null;
}

function matches(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
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
