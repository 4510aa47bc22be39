/**
 * Turns exifr's tag object into the typed, queryable columns of the exif table. Pure: the mtime fallback is passed
 * in, nothing reads the clock or the disk.
 */
import type { ExifRow } from '../../catalog/metadata.js';
import type { Tags } from './read.js';

export type TakenSource = 'exif' | 'exif-local' | 'mtime';

/**
 * One row of the exif table, as the worker hands it to the main thread: the catalog's columns (ExifRow), except that
 * a date is always known (the mtime is the fallback). The tag set is already JSON text: the catalog stores it so, and
 * one string crosses the thread boundary far cheaper than a structured clone of an object with dozens of keys.
 */
export interface ExifRecord extends Omit<ExifRow, 'takenAt' | 'takenAtMs' | 'takenAtSource' | 'tagsJson'> {
  /** ISO 8601: with offset when known ('exif'), local wall time without offset ('exif-local'), or UTC ('mtime'). */
  takenAt: string;
  /** UTC ms when the offset is known; wall time read as UTC for 'exif-local'. */
  takenAtMs: number;
  takenAtSource: TakenSource;
  /** The full parsed tag set, as JSON (binary values shortened: see jsonSafe). */
  tagsJson: string;
}

/** Date tags in priority order, each with its sub-second and offset companions. */
const DATE_TAGS: readonly [string, string, string][] = [
  ['DateTimeOriginal', 'SubSecTimeOriginal', 'OffsetTimeOriginal'],
  ['CreateDate', 'SubSecTimeDigitized', 'OffsetTimeDigitized'],
  ['ModifyDate', 'SubSecTime', 'OffsetTime'],
];

export function normalizeExif(tags: Tags | null, mtimeMs: number): ExifRecord {
  const t = tags ?? {};
  const taken = pickTaken(t) ?? { takenAt: new Date(mtimeMs).toISOString(), takenAtMs: mtimeMs, takenAtSource: 'mtime' as const };
  const gps = readGps(t);
  const orientation = num(t.Orientation);
  return {
    ...taken,
    // exifr leaves Make/Model untranslated (271/272) when a writer put them in the EXIF sub-IFD.
    make: str(t.Make) ?? str(t[0x010f]),
    model: str(t.Model) ?? str(t[0x0110]),
    lens: str(t.LensModel) ?? str(t.Lens) ?? str(t.LensInfo),
    iso: int(first(t.ISO) ?? t.ISOSpeedRatings ?? t.PhotographicSensitivity ?? t.RecommendedExposureIndex),
    exposureTime: positive(t.ExposureTime),
    fNumber: positive(t.FNumber),
    focalLength: positive(t.FocalLength),
    focalLength35: positive(t.FocalLengthIn35mmFormat),
    ...gps,
    orientation: orientation !== null && orientation >= 1 && orientation <= 8 ? orientation : null,
    width: int(t.ExifImageWidth ?? t.ImageWidth ?? t.PixelXDimension),
    height: int(t.ExifImageHeight ?? t.ImageHeight ?? t.PixelYDimension),
    software: str(t.Software),
    tagsJson: JSON.stringify(jsonSafe(t)),
  };
}

/** Parses an EXIF date ("YYYY:MM:DD HH:MM:SS", also with '-' or 'T'); null for blanks and zero dates. */
export function parseExifDate(
  value: unknown,
  subSec: unknown,
  offset: unknown,
): Pick<ExifRecord, 'takenAt' | 'takenAtMs' | 'takenAtSource'> | null {
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '00', inlineFrac, inlineOffset] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (year < 1800 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return null;
  const fracDigits = digits(subSec) ?? inlineFrac ?? null;
  const ms = fracDigits ? Math.round(Number(`0.${fracDigits}`) * 1000) : 0;
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second, Math.min(ms, 999));
  const wall = `${y}-${mo}-${d}T${h}:${mi}:${s}${fracDigits ? '.' + fracDigits.slice(0, 3).padEnd(3, '0') : ''}`;
  const off = parseOffset(offset) ?? parseOffset(inlineOffset);
  if (off === null) return { takenAt: wall, takenAtMs: wallMs, takenAtSource: 'exif-local' };
  return { takenAt: wall + off.text, takenAtMs: wallMs - off.minutes * 60_000, takenAtSource: 'exif' };
}

/** Numeric ids of the date tags, which exifr leaves untranslated when a writer put them in IFD0. */
const DATE_TAG_IDS: Record<string, number> = { DateTimeOriginal: 0x9003, CreateDate: 0x9004 };

function pickTaken(t: Tags) {
  for (const [date, sub, off] of DATE_TAGS) {
    const id = DATE_TAG_IDS[date];
    const parsed = parseExifDate(t[date] ?? (id ? t[id] : undefined), t[sub], t[off]);
    if (parsed) return parsed;
  }
  return null;
}

function parseOffset(value: unknown): { minutes: number; text: string } | null {
  if (typeof value !== 'string') return null;
  if (value.trim() === 'Z') return { minutes: 0, text: 'Z' };
  const m = /^\s*([+-])(\d{2}):?(\d{2})\s*$/.exec(value);
  if (!m) return null;
  const minutes = (Number(m[2]) * 60 + Number(m[3])) * (m[1] === '-' ? -1 : 1);
  if (Math.abs(minutes) > 14 * 60) return null;
  return { minutes, text: `${m[1]}${m[2]}:${m[3]}` };
}

function digits(v: unknown): string | null {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  return /^\d+$/.test(s) ? s : null;
}

function readGps(t: Tags): Pick<ExifRecord, 'gpsLat' | 'gpsLon' | 'gpsAlt'> {
  const lat = degrees(t.GPSLatitude, t.GPSLatitudeRef, 'S');
  const lon = degrees(t.GPSLongitude, t.GPSLongitudeRef, 'W');
  const valid = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  let alt = num(t.GPSAltitude);
  const ref = first(t.GPSAltitudeRef);
  if (alt !== null && (ref === 1 || ref === '1')) alt = -alt;
  return { gpsLat: valid ? lat : null, gpsLon: valid ? lon : null, gpsAlt: valid ? alt : null };
}

/** [deg, min, sec] or decimal degrees, negated for the southern/western reference. */
function degrees(value: unknown, ref: unknown, negativeRef: string): number | null {
  let d: number | null = null;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const parts = Array.from(value as ArrayLike<number>, Number);
    if (parts.length === 0 || parts.some((p) => !Number.isFinite(p))) return null;
    d = (parts[0] ?? 0) + (parts[1] ?? 0) / 60 + (parts[2] ?? 0) / 3600;
  } else if (typeof value === 'string' && value.includes(',')) {
    // Some phones write the rationals as text ("52,00000,50,00000,34,01180"): degrees, minutes, seconds come first.
    const parts = value.split(/[,\s]+/).filter(Boolean).map(Number);
    if (parts.length < 3 || parts.slice(0, 3).some((p) => !Number.isFinite(p))) return null;
    d = parts[0]! + parts[1]! / 60 + parts[2]! / 3600;
  } else d = num(value);
  if (d === null) return null;
  return typeof ref === 'string' && ref.trim().toUpperCase() === negativeRef ? -Math.abs(d) : d;
}

/** First element of an array or typed array (exifr gives BYTE tags as Uint8Array); other values as they are. */
function first(v: unknown): unknown {
  if (Array.isArray(v)) return v[0];
  if (ArrayBuffer.isView(v)) return (v as unknown as ArrayLike<number>)[0];
  return v;
}

function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function positive(v: unknown): number | null {
  const n = num(first(v));
  return n !== null && n > 0 ? n : null;
}

function int(v: unknown): number | null {
  const n = num(first(v));
  return n !== null && n > 0 ? Math.round(n) : null;
}

/** Trimmed text; EXIF strings often carry trailing NULs and spaces. */
function str(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v); // a damaged tag of numeric type, as exiftool shows it
  if (typeof v !== 'string') return null;
  // Some cameras pad with NULs and garbage after the text, which exiftool (rightly) stops at.
  const nul = v.indexOf('\0');
  const s = (nul >= 0 ? v.slice(0, nul) : v).trim();
  return s === '' ? null : s;
}

/** Binary values become arrays (short) or a length note (long), so the JSON stays small and valid. */
function jsonSafe(t: Tags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) {
    if (ArrayBuffer.isView(v)) {
      const bytes = v as unknown as ArrayLike<number>;
      out[k] = bytes.length <= 64 ? Array.from(bytes) : `(${bytes.length} bytes)`;
    } else if (v instanceof Date) out[k] = Number.isNaN(v.getTime()) ? null : v.toISOString();
    else if (typeof v === 'string') out[k] = v.charCodeAt(v.length - 1) === 0 ? v.replace(/\0+$/g, '') : v;
    else if (typeof v === 'number' && !Number.isFinite(v)) out[k] = null;
    else out[k] = v;
  }
  return out;
}
