/**
 * A small, forgiving reader of the TIFF/EXIF tags the exif table needs. exifr drops a whole IFD when one entry is
 * malformed (an invalid value type, say) where exiftool skips just that entry; this reader skips bad entries too and
 * fills what exifr left out. Pure byte work with bounds checks on every read.
 */
import type { Tags } from './read.js';

const IFD0: Record<number, string> = {
  0x010f: 'Make',
  0x0110: 'Model',
  0x0112: 'Orientation',
  0x0131: 'Software',
  0x0132: 'ModifyDate',
  0x9003: 'DateTimeOriginal',
  0x9004: 'CreateDate',
};
const EXIF: Record<number, string> = {
  // Some writers put these in the EXIF sub-IFD; IFD0's values win when both exist.
  0x010f: 'Make',
  0x0110: 'Model',
  0x829a: 'ExposureTime',
  0x829d: 'FNumber',
  0x8827: 'ISO',
  0x9003: 'DateTimeOriginal',
  0x9004: 'CreateDate',
  0x9010: 'OffsetTime',
  0x9011: 'OffsetTimeOriginal',
  0x9012: 'OffsetTimeDigitized',
  0x9290: 'SubSecTime',
  0x9291: 'SubSecTimeOriginal',
  0x9292: 'SubSecTimeDigitized',
  0x920a: 'FocalLength',
  0xa002: 'ExifImageWidth',
  0xa003: 'ExifImageHeight',
  0xa405: 'FocalLengthIn35mmFormat',
  0xa434: 'LensModel',
};
const GPS: Record<number, string> = {
  0x0001: 'GPSLatitudeRef',
  0x0002: 'GPSLatitude',
  0x0003: 'GPSLongitudeRef',
  0x0004: 'GPSLongitude',
  0x0005: 'GPSAltitudeRef',
  0x0006: 'GPSAltitude',
};
/** Bytes per value of each TIFF type (index = type id); 0 marks an invalid type. */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8];
const MAX_ENTRIES = 1000;
/** TIFF's 42, and the variants of RAW formats built on it: Panasonic RW2 ('U'), Olympus ORF ('RO', 'SR'). */
const TIFF_MAGIC = [42, 0x55, 0x4f52, 0x5352];

/**
 * How damage is handled, following exiftool (the reference the exif stage is measured against): a directory that
 * runs past the block is dropped whole; a value pointing outside the block is skipped inside a JPEG's EXIF segment
 * (`inSegment`: offsets are often relative to a lost header) and ends the directory in a TIFF file (truncated file).
 */
export interface LenientOptions {
  inSegment: boolean;
}

/** Tags from a TIFF block starting at `bytes[0]` ("II" or "MM" byte order), or null when it is not one. */
export function readTiffLenient(bytes: Uint8Array, options: LenientOptions): Tags | null {
  if (bytes.length < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = String.fromCharCode(bytes[0]!, bytes[1]!);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  // Inside an "Exif" segment the byte order is enough; a damaged magic number does not hide the tags.
  if (!options.inSegment && !TIFF_MAGIC.includes(view.getUint16(2, le))) return null;
  const out: Tags = {};
  const pointers = readIfd(view, le, view.getUint32(4, le), IFD0, out, options);
  if (pointers.exif) readIfd(view, le, pointers.exif, EXIF, out, options);
  if (pointers.gps) readIfd(view, le, pointers.gps, GPS, out, options);
  return Object.keys(out).length ? out : null;
}

function readIfd(
  view: DataView,
  le: boolean,
  offset: number,
  names: Record<number, string>,
  out: Tags,
  options: LenientOptions,
): { exif?: number; gps?: number } {
  const pointers: { exif?: number; gps?: number } = {};
  if (offset < 8 || offset + 2 > view.byteLength) return pointers;
  const count = Math.min(view.getUint16(offset, le), MAX_ENTRIES);
  if (offset + 2 + count * 12 > view.byteLength) return pointers; // the directory itself is cut off: trust none of it
  for (let i = 0; i < count; i++) {
    const at = offset + 2 + i * 12;
    if (at + 12 > view.byteLength) break;
    const tag = view.getUint16(at, le);
    const type = view.getUint16(at + 2, le);
    const n = view.getUint32(at + 4, le);
    const size = TYPE_SIZE[type] ?? 0;
    if (!size || n === 0 || n > 1_000_000) continue; // a malformed entry: skip it, keep the rest
    const bytes = size * n;
    const dataAt = bytes <= 4 ? at + 8 : view.getUint32(at + 8, le);
    if (dataAt + bytes > view.byteLength) {
      if (options.inSegment) continue;
      break;
    }
    if (names === IFD0 && (tag === 0x8769 || tag === 0x8825)) {
      // Any integer type, as exiftool reads it: old cameras wrote the EXIF and GPS offsets as SHORT or SLONG.
      const offset = pointerValue(view, le, type, n, dataAt);
      if (offset !== null) pointers[tag === 0x8769 ? 'exif' : 'gps'] = offset;
      continue;
    }
    const name = names[tag];
    if (!name) continue;
    const value = readValue(view, le, type, n, dataAt);
    if (value !== undefined && value !== '' && !(name in out)) out[name] = value;
  }
  return pointers;
}

/** An IFD offset stored as one unsigned or signed 16- or 32-bit integer (LONG, IFD, SHORT, SLONG, SSHORT). */
function pointerValue(view: DataView, le: boolean, type: number, n: number, at: number): number | null {
  if (n !== 1) return null;
  const value = type === 4 || type === 13 ? view.getUint32(at, le) : type === 9 ? view.getInt32(at, le)
    : type === 3 ? view.getUint16(at, le) : type === 8 ? view.getInt16(at, le) : null;
  return value !== null && value > 0 ? value : null;
}

function readValue(view: DataView, le: boolean, type: number, n: number, at: number): unknown {
  if (type === 2) {
    const chars: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = view.getUint8(at + i);
      if (c === 0) break;
      chars.push(c);
    }
    return Buffer.from(chars).toString('latin1');
  }
  const values: number[] = [];
  for (let i = 0; i < n && i < 16; i++) {
    const p = at + i * TYPE_SIZE[type]!;
    switch (type) {
      case 1:
      case 7:
        values.push(view.getUint8(p));
        break;
      case 6:
        values.push(view.getInt8(p));
        break;
      case 3:
        values.push(view.getUint16(p, le));
        break;
      case 8:
        values.push(view.getInt16(p, le));
        break;
      case 4:
        values.push(view.getUint32(p, le));
        break;
      case 9:
        values.push(view.getInt32(p, le));
        break;
      case 5:
      case 10: {
        const num = type === 5 ? view.getUint32(p, le) : view.getInt32(p, le);
        const den = type === 5 ? view.getUint32(p + 4, le) : view.getInt32(p + 4, le);
        values.push(den === 0 ? NaN : num / den);
        break;
      }
      case 11:
        values.push(view.getFloat32(p, le));
        break;
      case 12:
        values.push(view.getFloat64(p, le));
        break;
    }
  }
  return values.length === 1 ? values[0] : values;
}
