/**
 * The one module that talks to exifr. It returns plain tag objects (keys translated, values raw: dates stay EXIF
 * strings so sub-seconds and offsets survive, orientation stays a number) and never throws.
 *
 * exifr is given bytes we read ourselves rather than a path: its chunked file reader misses metadata that is not
 * where it first looks (EXIF after a large ICC segment, TIFF IFDs at the end of the file, HEIF items at the end).
 */
import fs from 'node:fs';
import exifr from 'exifr';
import { checkIsoBoxes } from '../image-isobmff.js';
import { readTiffLenient } from './tiff-lenient.js';
import { jpegSegmentsEnd } from '../image-jpeg-segments.js';
import { findExifTiff } from './exif-segment.js';
import { isPng, pngRawProfile } from './png-profile.js';
import { METADATA_FIRST_READ, metadataKey, type SharedReads } from '../image-shared-reads.js';
import { describeError } from '../../errors.js';

export type Tags = Record<string, unknown>;

/** exifr's typings lack some options it accepts (silentErrors, xmp.parse). */
type ExifrOptions = Parameters<typeof exifr.parse>[1];

export type ReadResult = { ok: true; tags: Tags | null } | { ok: false; error: string; unknownFormat: boolean };

const TAG_OPTIONS = {
  tiff: true,
  ifd0: true,
  exif: true,
  gps: true,
  interop: false,
  ifd1: false,
  makerNote: false,
  userComment: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  translateKeys: true,
  translateValues: false,
  reviveValues: false,
  sanitize: true,
  mergeOutput: true,
  silentErrors: true,
  chunked: false,
} as unknown as ExifrOptions;

/** JPEG metadata precedes the image data: a first read this big holds it for most files, ... */
const JPEG_FIRST_READ = METADATA_FIRST_READ;
/** ... and this much of the head for the rest (long maker notes, big ICC profiles, extended XMP). */
const JPEG_HEAD_BYTES = 1024 * 1024;
/** Other formats may keep metadata anywhere: read whole files up to this size, else this much of the head. */
const WHOLE_FILE_LIMIT = 16 * 1024 * 1024;
const LARGE_FILE_HEAD = 8 * 1024 * 1024;
/** Tags whose absence makes us look for a second EXIF block exifr did not find (AVIF items, PNG text, WebP). */
const CORE_TAGS = ['Make', 'Model', 'DateTimeOriginal', 'CreateDate', 'ModifyDate', 'Orientation', 'GPSLatitude'];
/** Without these (and one date) the forgiving reader gets a look at the file's EXIF block too. */
const NEEDED_TAGS = ['Make', 'Model', 'Orientation'];
const DATE_TAGS = ['DateTimeOriginal', 'CreateDate', 'ModifyDate'];

/** Reads EXIF/TIFF/GPS tags from a file's metadata bytes (readForMetadataSync). */
export async function readExifTags(bytes: Buffer): Promise<ReadResult> {
  const unsafe = unsafeStructure(bytes);
  if (unsafe) return { ok: false, error: unsafe, unknownFormat: false };
  let tags: Tags | null = null;
  let unknownFormat = false;
  let thrown: string | null = null;
  try {
    tags = await parseTags(bytes);
  } catch (err) {
    const message = describeError(err);
    unknownFormat = /unknown file format/i.test(message);
    // Whatever exifr could not cope with, the forgiving reader gets a look before the file is failed.
    if (!unknownFormat && !/invalid input argument|out of (bounds|range)|offset/i.test(message)) thrown = message;
  }
  if (!tags || !NEEDED_TAGS.every((t) => t in tags!) || !DATE_TAGS.some((t) => t in tags!)) {
    tags = await fillGaps(bytes, tags, unknownFormat).catch(() => tags);
  }
  if (!tags && thrown !== null) return { ok: false, error: thrown, unknownFormat: false };
  if (!tags && unknownFormat) return { ok: false, error: 'no EXIF block in a format the EXIF reader does not know', unknownFormat: true };
  return { ok: true, tags };
}

/** Reads the EXIF orientation of a RAW container (bytes already in memory), or null. */
export async function readOrientation(bytes: Buffer): Promise<number | null> {
  const r = await readExifTags(bytes);
  const o = r.ok ? r.tags?.Orientation : undefined;
  return typeof o === 'number' && o >= 1 && o <= 8 ? o : null;
}

/** The raw XMP packet embedded in a file, as exifr finds it (TIFF tag 700, HEIC, PNG iTXt). */
export async function readEmbeddedXmp(bytes: Buffer): Promise<{ ok: true; xmp: string | null } | { ok: false; error: string }> {
  const unsafe = unsafeStructure(bytes);
  if (unsafe) return { ok: false, error: unsafe };
  try {
    const options = { tiff: false, xmp: { parse: false, multiSegment: false }, silentErrors: true, chunked: false };
    const out = (await quietly(() => exifr.parse(bytes, options as unknown as ExifrOptions))) as { xmp?: unknown } | undefined;
    return { ok: true, xmp: typeof out?.xmp === 'string' ? out.xmp : null };
  } catch (err) {
    const message = describeError(err);
    if (/unknown file format/i.test(message)) return { ok: true, xmp: null };
    return { ok: false, error: message };
  }
}

/**
 * A task's metadata bytes (readForMetadataSync), through the batch's shared read when there is one: the exif and xmp
 * tasks of a photo both come here, so they share the read only while they ask for the same key and the same bytes.
 */
export function metadataBytes(input: { path: string; size: number; mtimeMs: number }, shared?: SharedReads): Buffer {
  const read = (scratch?: Buffer) => readForMetadataSync(input.path, scratch);
  return shared ? shared.get(metadataKey(input), read) : read();
}

/**
 * The part of a file its metadata lives in: the head of a JPEG, whole files (or a long head) otherwise. Synchronous,
 * so callers can share one read between stages (SharedReads). With `scratch`, the first read goes into it and the
 * result may be a view of it (see SharedReads for how long that stays valid).
 */
function readForMetadataSync(file: string, scratch?: Buffer): Buffer {
  // Synchronous reads: this runs on a dedicated worker thread, where they beat a trip through libuv's pool.
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const read = (length: number, into?: Buffer) => {
      const buf = into && into.length >= Math.min(size, length) ? into : Buffer.allocUnsafe(Math.min(size, length));
      return buf.subarray(0, fs.readSync(fd, buf, 0, Math.min(size, length), 0));
    };
    const head = read(JPEG_FIRST_READ, scratch);
    if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) {
      // Most JPEGs' metadata segments end inside the first read; only read more when they run past it.
      return jpegSegmentsEnd(head) >= 0 || head.length === size ? head : read(JPEG_HEAD_BYTES);
    }
    if (head.length === size) return head;
    return read(size <= WHOLE_FILE_LIMIT ? size : LARGE_FILE_HEAD);
  } finally {
    fs.closeSync(fd);
  }
}

/** HEIC/AVIF/CR3 boxes that would send exifr into an endless loop are refused up front. */
function unsafeStructure(bytes: Buffer): string | null {
  if (bytes.toString('latin1', 4, 8) !== 'ftyp') return null;
  const problem = checkIsoBoxes(bytes.subarray(0, 256 * 1024));
  return problem ? `malformed ISO media box structure: ${problem}` : null;
}

/** exifr's tags for these bytes (null when it finds none); throws what exifr throws. */
async function parseTags(bytes: Uint8Array): Promise<Tags | null> {
  return nonEmpty((await quietly(() => exifr.parse(bytes, TAG_OPTIONS))) as Tags | undefined);
}

/** Parses a TIFF block found inside bytes exifr could not place (WebP chunk, HEIF Exif item, RAF, CR3). */
async function readEmbeddedTiff(bytes: Buffer): Promise<Tags | null> {
  for (const start of tiffBlocks(bytes)) {
    try {
      const tags = await parseTags(bytes.subarray(start));
      if (tags && CORE_TAGS.some((t) => t in tags)) return tags;
    } catch {
      // Not a usable TIFF block after all: try the next candidate.
    }
  }
  return null;
}

/**
 * Tags exifr did not give, from the file's own EXIF block: the JPEG's APP1 or the TIFF itself through the forgiving
 * reader; for other containers (HEIF items, PNG, WebP, RAF, CR3) a TIFF block found by its signature. exifr's values
 * win where both have one.
 */
async function fillGaps(bytes: Buffer, tags: Tags | null, unknownFormat: boolean): Promise<Tags | null> {
  let extra: Tags | null = null;
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const tiff = findExifTiff(bytes);
    extra = tiff ? readTiffLenient(tiff, { inSegment: true }) : null;
  } else if (isTiffHeader(bytes, 0) || ['IIU\0', 'IIRO', 'IIRS', 'MMOR'].includes(bytes.toString('latin1', 0, 4))) {
    extra = readTiffLenient(bytes, { inSegment: false });
  } else if (isPng(bytes)) {
    const block = pngRawProfile(bytes);
    extra = block ? ((await parseTags(block).catch(() => null)) ?? readTiffLenient(block, { inSegment: true })) : null;
  } else if (unknownFormat || !tags || !CORE_TAGS.some((t) => t in tags)) {
    extra = await readEmbeddedTiff(bytes);
  }
  if (!extra) return tags;
  // exifr's values win, but not its empty ones.
  const kept = Object.entries(tags ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return { ...extra, ...Object.fromEntries(kept) };
}

/** Offsets of TIFF headers: those announced by "Exif\0\0" first, then bare ones. At most a few. */
function tiffBlocks(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let at = bytes.indexOf('Exif\0\0', 0, 'latin1'); at >= 0 && out.length < 4; at = bytes.indexOf('Exif\0\0', at + 6, 'latin1')) {
    if (isTiffHeader(bytes, at + 6)) out.push(at + 6);
  }
  for (const sig of ['II*\0', 'MM\0*']) {
    const at = bytes.indexOf(sig, 1, 'latin1');
    if (at > 0 && !out.includes(at)) out.push(at);
  }
  return out;
}

function isTiffHeader(b: Buffer, at: number): boolean {
  const s = b.toString('latin1', at, at + 4);
  return s === 'II*\0' || s === 'MM\0*';
}

/**
 * exifr warns on the console about 64-bit values it cannot represent; that is noise in a CLI's output (and in a
 * worker it reaches the user's terminal), so it is dropped for the duration of the call.
 */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

function nonEmpty(tags: Tags | undefined): Tags | null {
  return tags && Object.keys(tags).length ? tags : null;
}
