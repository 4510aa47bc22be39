/**
 * Reads the colour information a HEIF/HEIC file states for its primary image (pure bytes, no decoder).
 *
 * The HEIC decoder (libheif-js) hands back bare RGB(A): the embedded colour profile is not applied, so an iPhone's
 * Display P3 pixels would be shown as if they were sRGB (duller, shifted). The thumbnail worker reads the profile here
 * and has sharp convert the decoded pixels to sRGB, as it does for every other format. AVIF (the same container,
 * decoded by sharp) needs it only for Display P3 stated by nclx code points: sharp applies an ICC profile itself.
 *
 * Where it lives in the container: meta > iprp > ipco holds the item properties, among them 'colr' boxes (an ICC
 * profile, type 'prof' or 'rICC', or 'nclx' code points from ITU-T H.273); meta > iprp > ipma associates properties
 * with items; meta > pitm names the primary item. An iPhone's primary item is a 'grid' whose colr sits on its tiles
 * only: like libheif, the first tile's (its first 'dimg' reference) stands for the grid then.
 */
import { childBoxes, readU32, type IsoBox } from '../image-isobmff.js';
import { isSrgbProfile } from './srgb-profile.js';

/** Colour as a HEIF 'colr' property states it. */
export type HeifColour =
  | { kind: 'icc'; icc: Uint8Array }
  | {
      kind: 'nclx';
      /** H.273 colour primaries: 1 BT.709 (sRGB's), 9 BT.2020, 12 P3 D65 (Display P3). */
      primaries: number;
      /** H.273 transfer characteristics: 13 sRGB, 1/6/14/15 BT.709-like, 16 PQ, 18 HLG. */
      transfer: number;
      /** H.273 matrix coefficients (YCbCr to RGB; the decoder already used them). */
      matrix: number;
      fullRange: boolean;
    };

/** What the pixels must be converted from to become sRGB: ICC bytes, libvips' built-in Display P3, or nothing. */
export type SourceProfile = Uint8Array | 'p3';

const P3_PRIMARIES = 12;
/** sRGB's transfer, and "unspecified" (read as sRGB, the default for 8-bit stills). */
const SRGB_TRANSFERS: ReadonlySet<number> = new Set([13, 2]);

/**
 * The profile to convert a decoded HEIF from, or null when its pixels are sRGB already or nothing usable is stated.
 * nclx is honoured for Display P3 with sRGB's curve (the iPhone's colour space); other nclx spaces (BT.2020, PQ and
 * HLG HDR, P3 with another curve) are left as decoded: libvips has no profile for them.
 */
export function sourceProfile(colour: HeifColour | null): SourceProfile | null {
  if (!colour) return null;
  if (colour.kind === 'icc') return isSrgbProfile(colour.icc) ? null : colour.icc;
  return colour.primaries === P3_PRIMARIES && SRGB_TRANSFERS.has(colour.transfer) ? 'p3' : null;
}

/** The primary image's colour; null when none is stated or the boxes cannot be read. Never throws. */
export function readPrimaryColour(bytes: Uint8Array): HeifColour | null {
  try {
    return primaryColour(bytes);
  } catch {
    // A damaged header is the decoder's to report; without colour facts the pixels are taken as sRGB.
    return null;
  }
}

function primaryColour(b: Uint8Array): HeifColour | null {
  const meta = childBoxes(b, 0, b.length).find((box) => box.type === 'meta');
  if (!meta) return null;
  const inMeta = childBoxes(b, meta.start + 4, meta.end); // meta is a full box: version and flags first
  const pitm = inMeta.find((box) => box.type === 'pitm');
  const iprp = inMeta.find((box) => box.type === 'iprp');
  if (!pitm || !iprp) return null;
  const primary = b[pitm.start] === 0 ? readU16(b, pitm.start + 4, pitm.end) : readU32Within(b, pitm.start + 4, pitm.end);
  const inIprp = childBoxes(b, iprp.start, iprp.end);
  const ipco = inIprp.find((box) => box.type === 'ipco');
  if (!ipco) return null;
  const properties = childBoxes(b, ipco.start, ipco.end);
  const associations = new Map<number, number[]>();
  for (const ipma of inIprp.filter((box) => box.type === 'ipma')) readAssociations(b, ipma, associations);
  const colourOf = (item: number) => pickColour(b, (associations.get(item) ?? []).map((i) => properties[i - 1]));
  const own = colourOf(primary);
  if (own) return own;
  const iref = inMeta.find((box) => box.type === 'iref');
  const firstTile = iref ? firstDerivedFrom(b, iref, primary) : null;
  return firstTile === null ? null : colourOf(firstTile);
}

/** An ICC profile wins over nclx when an item has both (libheif and libvips do the same). */
function pickColour(b: Uint8Array, boxes: (IsoBox | undefined)[]): HeifColour | null {
  let nclx: HeifColour | null = null;
  for (const box of boxes) {
    if (box?.type !== 'colr' || box.start + 4 > box.end) continue;
    const type = String.fromCharCode(b[box.start]!, b[box.start + 1]!, b[box.start + 2]!, b[box.start + 3]!);
    // 128-byte header plus a tag count: anything shorter cannot be a profile.
    if ((type === 'prof' || type === 'rICC') && box.end - box.start - 4 >= 132) {
      return { kind: 'icc', icc: new Uint8Array(b.subarray(box.start + 4, box.end)) }; // a copy: the file can go
    }
    if (type === 'nclx' && !nclx && box.start + 11 <= box.end) {
      const at = box.start + 4;
      const [primaries, transfer, matrix] = [readU16(b, at, box.end), readU16(b, at + 2, box.end), readU16(b, at + 4, box.end)];
      nclx = { kind: 'nclx', primaries, transfer, matrix, fullRange: b[at + 6]! >= 0x80 };
    }
  }
  return nclx;
}

/** Fills item id -> 1-based property indices from one ipma box (ISO/IEC 23008-12, 9.3.3). */
function readAssociations(b: Uint8Array, ipma: IsoBox, into: Map<number, number[]>): void {
  const version = b[ipma.start]!;
  const wideIndex = (b[ipma.start + 3]! & 1) === 1;
  let p = ipma.start + 4;
  const count = readU32Within(b, p, ipma.end);
  p += 4;
  for (let i = 0; i < count; i++) {
    const item = version < 1 ? readU16(b, p, ipma.end) : readU32Within(b, p, ipma.end);
    p += version < 1 ? 2 : 4;
    if (p >= ipma.end) return;
    const n = b[p++]!;
    const indices: number[] = [];
    for (let j = 0; j < n; j++) {
      // The top bit of each entry is the "essential" flag, not part of the index.
      indices.push(wideIndex ? readU16(b, p, ipma.end) & 0x7fff : b[p]! & 0x7f);
      p += wideIndex ? 2 : 1;
    }
    if (p > ipma.end) return;
    into.set(item, [...(into.get(item) ?? []), ...indices]);
  }
}

/** The first item `from` is derived from (its first 'dimg' reference: a grid's first tile), or null. */
function firstDerivedFrom(b: Uint8Array, iref: IsoBox, from: number): number | null {
  const wide = b[iref.start] !== 0;
  for (const ref of childBoxes(b, iref.start + 4, iref.end)) {
    if (ref.type !== 'dimg') continue;
    let p = ref.start;
    const source = wide ? readU32Within(b, p, ref.end) : readU16(b, p, ref.end);
    p += wide ? 4 : 2;
    if (source !== from) continue;
    if (readU16(b, p, ref.end) === 0) return null;
    return wide ? readU32Within(b, p + 2, ref.end) : readU16(b, p + 2, ref.end);
  }
  return null;
}

function readU16(b: Uint8Array, p: number, end: number): number {
  if (p + 2 > end) throw new RangeError('read past the box');
  return (b[p]! << 8) | b[p + 1]!;
}

function readU32Within(b: Uint8Array, p: number, end: number): number {
  if (p + 4 > end) throw new RangeError('read past the box');
  return readU32(b, p);
}
