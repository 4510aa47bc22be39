/**
 * The one module that talks to exifr. It returns plain tag objects (keys translated, values raw: dates stay EXIF
 * strings so sub-seconds and offsets survive, orientation stays a number) and never throws.
 */
import fs from 'node:fs';
import exifr from 'exifr';

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
  // exifr's default 512-byte first read misses EXIF that follows an ICC profile segment.
  firstChunkSize: 65536,
} as unknown as ExifrOptions;

/** How far into a file exifr does not know we look for an EXIF block (WebP, RAF, CR3 keep it near the start). */
const FALLBACK_SCAN_BYTES = 4 * 1024 * 1024;

/** Reads EXIF/TIFF/GPS tags. Formats exifr does not parse are searched for an embedded EXIF (TIFF) block. */
export async function readExifTags(file: string): Promise<ReadResult> {
  try {
    const tags = (await exifr.parse(file, TAG_OPTIONS)) as Tags | undefined;
    return { ok: true, tags: tags && Object.keys(tags).length ? tags : null };
  } catch (err) {
    const message = errorText(err);
    if (!/unknown file format/i.test(message)) return { ok: false, error: message, unknownFormat: false };
  }
  return readEmbeddedTiff(file);
}

/** Reads the EXIF orientation of a file (RAW containers), or null. */
export async function readOrientation(file: string): Promise<number | null> {
  const r = await readExifTags(file);
  const o = r.ok ? r.tags?.Orientation : undefined;
  return typeof o === 'number' && o >= 1 && o <= 8 ? o : null;
}

/** The raw XMP packet embedded in a file, as exifr finds it (JPEG APP1, TIFF tag 700, HEIC, PNG iTXt). */
export async function readEmbeddedXmp(file: string): Promise<{ ok: true; xmp: string | null } | { ok: false; error: string }> {
  try {
    const out = (await exifr.parse(file, { tiff: false, xmp: { parse: false, multiSegment: false }, silentErrors: true } as unknown as ExifrOptions)) as
      | { xmp?: unknown }
      | undefined;
    return { ok: true, xmp: typeof out?.xmp === 'string' ? out.xmp : null };
  } catch (err) {
    const message = errorText(err);
    if (/unknown file format/i.test(message)) return { ok: true, xmp: null };
    return { ok: false, error: message };
  }
}

async function readEmbeddedTiff(file: string): Promise<ReadResult> {
  let bytes: Buffer;
  try {
    bytes = await readHead(file, FALLBACK_SCAN_BYTES);
  } catch (err) {
    return { ok: false, error: errorText(err), unknownFormat: false };
  }
  const start = findTiffBlock(bytes);
  if (start < 0) return { ok: false, error: 'no EXIF block found in a format the EXIF reader does not know', unknownFormat: true };
  try {
    const tags = (await exifr.parse(bytes.subarray(start), TAG_OPTIONS)) as Tags | undefined;
    return { ok: true, tags: tags && Object.keys(tags).length ? tags : null };
  } catch (err) {
    return { ok: false, error: errorText(err), unknownFormat: true };
  }
}

/** Offset of a TIFF header, preferring one announced by an "Exif\0\0" marker. */
function findTiffBlock(bytes: Buffer): number {
  const exif = bytes.indexOf('Exif\0\0', 0, 'latin1');
  if (exif >= 0 && isTiffHeader(bytes, exif + 6)) return exif + 6;
  for (const sig of ['II*\0', 'MM\0*']) {
    const at = bytes.indexOf(sig, 0, 'latin1');
    if (at >= 0) return at;
  }
  return -1;
}

function isTiffHeader(b: Buffer, at: number): boolean {
  const s = b.toString('latin1', at, at + 4);
  return s === 'II*\0' || s === 'MM\0*';
}

async function readHead(file: string, max: number): Promise<Buffer> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(max);
    const { bytesRead } = await fh.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
}
