/**
 * Finds the clip inside a motion photo: a still (JPEG, HEIC) with a short MP4 appended after its image data.
 * - Google Motion Photo: XMP `GCamera:MotionPhoto="1"` and a `Container:Directory` whose `MotionPhoto` item gives
 *   the clip's length; the clip is the file's last `Length` bytes.
 * - Google's older MicroVideo: XMP `GCamera:MicroVideo="1"` and `MicroVideoOffset`, the clip's distance from the end.
 * - Samsung: the SEF trailer at the very end (`... SEFH <entries> <size> SEFT`) lists data blocks; the one named
 *   `MotionPhoto_Data` holds the clip, right after its name.
 * Every candidate must start with an MP4 `ftyp` box to count. Pure functions over the bytes given or read.
 */

export type MotionKind = 'google' | 'microvideo' | 'samsung';

export interface MotionClip {
  kind: MotionKind;
  /** Byte offset of the clip in the file, and its length. */
  offset: number;
  length: number;
}

/** How much of a HEIC's head its XMP is looked for in (a JPEG's XMP segment is found by walking its segments). */
const MOTION_HEAD_BYTES = 256 * 1024;

const XMP_SIGNATURE = 'http://ns.adobe.com/xap/1.0/\0';

/**
 * The bytes the XMP is looked for in: a JPEG's XMP segment (found by walking the segment headers, so a still with a
 * 64 KiB EXIF thumbnail before its XMP costs a few small reads, not a long head), else the first 256 KiB (HEIC).
 * Empty for a JPEG without XMP.
 */
export function xmpBytes(read: (offset: number, length: number) => Buffer, size: number): Buffer {
  const start = read(0, 4);
  if (start.length < 4 || start[0] !== 0xff || start[1] !== 0xd8) return read(0, MOTION_HEAD_BYTES);
  let at = 2;
  while (at + 4 <= size) {
    const head = read(at, 4 + XMP_SIGNATURE.length);
    if (head.length < 4 || head[0] !== 0xff) break;
    const marker = head[1]!;
    // Metadata segments come before the image data: stop at start-of-scan or anything that is not APPn/COM/DQT/DHT/SOF.
    if (marker === 0xda || marker === 0xd9) break;
    const length = head.readUInt16BE(2);
    if (marker === 0xe1 && head.toString('latin1', 4, 4 + XMP_SIGNATURE.length) === XMP_SIGNATURE) {
      return read(at + 4 + XMP_SIGNATURE.length, length - 2 - XMP_SIGNATURE.length);
    }
    at += 2 + length;
  }
  return Buffer.alloc(0);
}

/** The clip the XMP in `head` points at, for a file of `size` bytes; null when the XMP declares none. */
export function fromXmp(head: Buffer, size: number): MotionClip | null {
  const text = head.toString('latin1');
  const flag = (name: string) => new RegExp(`:${name}\\s*=\\s*["']1["']|:${name}>\\s*1\\s*<`).test(text);
  if (flag('MotionPhoto')) {
    const length = motionItemLength(text);
    if (length !== null && length > 0 && length < size) return { kind: 'google', offset: size - length, length };
  }
  if (flag('MicroVideo')) {
    const m = /:MicroVideoOffset\s*=\s*["'](\d+)["']|:MicroVideoOffset>\s*(\d+)\s*</.exec(text);
    const back = m ? Number(m[1] ?? m[2]) : NaN;
    if (back > 0 && back < size) return { kind: 'microvideo', offset: size - back, length: back };
  }
  return null;
}

/** Item:Length of the Container directory's MotionPhoto item (attributes in any order, or as child elements). */
function motionItemLength(text: string): number | null {
  for (const m of text.matchAll(/<Container:Item\b([^>]*?)\/?>/g)) {
    const attrs = m[1]!;
    if (!/Item:Semantic\s*=\s*["']MotionPhoto["']/.test(attrs)) continue;
    const len = /Item:Length\s*=\s*["'](\d+)["']/.exec(attrs);
    return len ? Number(len[1]) : null;
  }
  return null;
}

/**
 * Samsung's trailer, read through `read(offset, length)` (file offsets) from a file of `size` bytes: the last 8 bytes
 * first, then the SEF directory, then the head of each listed block (a few small reads, never the clip itself).
 */
export function fromSamsungTrailer(read: (offset: number, length: number) => Buffer, size: number): MotionClip | null {
  if (size < 8) return null;
  const end = read(size - 8, 8);
  if (end.length < 8 || end.toString('latin1', 4) !== 'SEFT') return null;
  const sefSize = end.readUInt32LE(0);
  const sefh = size - 8 - sefSize;
  if (sefh < 0 || sefSize < 12 || sefSize > 1 << 20) return null;
  const dir = read(sefh, sefSize);
  if (dir.length < 12 || dir.toString('latin1', 0, 4) !== 'SEFH') return null;
  const count = dir.readUInt32LE(8);
  for (let i = 0; i < count && 12 + i * 12 + 12 <= dir.length; i++) {
    const back = dir.readUInt32LE(12 + i * 12 + 4);
    const length = dir.readUInt32LE(12 + i * 12 + 8);
    const block = sefh - back;
    if (block < 0 || length < 8) continue;
    // A block: 2 bytes of padding, 2 of type, the name's length (4), the name, then the data.
    const head = read(block, 8 + 64);
    if (head.length < 8) continue;
    const nameLength = head.readUInt32LE(4);
    if (nameLength > 64 || 8 + nameLength > head.length) continue;
    if (head.toString('latin1', 8, 8 + nameLength) !== 'MotionPhoto_Data') continue;
    const clipLength = length - 8 - nameLength;
    if (clipLength > 0) return { kind: 'samsung', offset: block + 8 + nameLength, length: clipLength };
  }
  return null;
}

/** Whether the bytes at a clip's start are an MP4/QuickTime file type box. */
export function startsWithFtyp(firstBytes: Buffer): boolean {
  return firstBytes.length >= 8 && firstBytes.toString('latin1', 4, 8) === 'ftyp';
}
