/**
 * Recognises an embedded ICC profile that is sRGB itself (pure bytes, no sharp).
 *
 * Many cameras and editors embed "sRGB IEC61966-2.1" in photos that are already sRGB. Converting through such a
 * profile to sRGB changes no pixel (measured: identical bytes on the corpus), yet libvips runs the full lcms
 * transform on the shrink-on-load-sized image, through a float Lab connection space: on a 12 MP photo more CPU than
 * the decode itself. The thumbnail worker skips that transform when this module says the profile
 * is sRGB's; every other profile (Display P3, Adobe RGB, CMYK, LUT-based, unreadable) is converted as before.
 *
 * "Is sRGB's" is decided from what lcms itself uses for a matrix/shaper RGB profile, not from the description text:
 * the three colorants (D50-adapted primaries) and the three tone curves. A profile with LUT tags (A2Bx/D2Bx) is never
 * taken as sRGB, since lcms would use the LUTs instead.
 */

/** sRGB's colorants as ICC profiles store them (D50-adapted XYZ), in rXYZ, gXYZ, bXYZ order. */
const SRGB_COLORANTS: readonly (readonly [number, number, number])[] = [
  [0.4361, 0.2225, 0.0139],
  [0.3851, 0.7169, 0.0971],
  [0.1431, 0.0606, 0.7141],
];
/** Published sRGB profiles differ in the fourth decimal (s15Fixed16 rounding, v2 vs v4); Display P3 by 0.02 or more. */
const COLORANT_TOLERANCE = 0.0015;
/**
 * Largest accepted difference from sRGB's curve, in 8-bit steps, at every 8-bit input level. Well under half a step,
 * so no level can round differently; 1024-entry table profiles (HP's) stay within 0.02.
 */
const CURVE_TOLERANCE_LEVELS = 0.25;
/** Tags that make lcms use a lookup table rather than colorants and curves for the input side. */
const LUT_TAGS = ['A2B0', 'A2B1', 'A2B2', 'D2B0', 'D2B1', 'D2B2'];
const HEADER_BYTES = 128;
const MAX_TAGS = 256;

/** sRGB's linear -> encoded curve (IEC 61966-2-1), the inverse of the tone curve a profile stores. */
function linearToSrgb(v: number): number {
  return v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055;
}

/** True when `icc` is a well-formed RGB matrix/shaper profile whose colorants and curves are sRGB's. */
export function isSrgbProfile(icc: Uint8Array): boolean {
  try {
    return checkProfile(Buffer.from(icc.buffer, icc.byteOffset, icc.byteLength));
  } catch {
    // A malformed profile (reads past its end, an implausible tag table) is not recognisably sRGB: convert as usual.
    return false;
  }
}

function checkProfile(icc: Buffer): boolean {
  if (icc.length < HEADER_BYTES + 4) return false;
  if (icc.toString('latin1', 16, 20) !== 'RGB ' || icc.toString('latin1', 20, 24) !== 'XYZ ') return false;
  const tags = readTagTable(icc);
  if (LUT_TAGS.some((sig) => tags.has(sig))) return false;
  const colorants = ['rXYZ', 'gXYZ', 'bXYZ'].map((sig) => readXyz(icc, tags.get(sig)));
  for (let c = 0; c < 3; c++) {
    const xyz = colorants[c];
    if (!xyz || xyz.some((v, k) => Math.abs(v - SRGB_COLORANTS[c]![k]!) > COLORANT_TOLERANCE)) return false;
  }
  return ['rTRC', 'gTRC', 'bTRC'].every((sig) => {
    const curve = readCurve(icc, tags.get(sig));
    return curve !== null && curveMatchesSrgb(curve);
  });
}

interface TagEntry {
  offset: number;
  size: number;
}

function readTagTable(icc: Buffer): Map<string, TagEntry> {
  const count = icc.readUInt32BE(HEADER_BYTES);
  // A real profile has a few dozen tags at most: a huge count is garbage (and a tag left unread could be a LUT).
  if (count > MAX_TAGS) throw new RangeError(`${count} tags`);
  const tags = new Map<string, TagEntry>();
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + 4 + 12 * i;
    const entry = { offset: icc.readUInt32BE(at + 4), size: icc.readUInt32BE(at + 8) };
    if (entry.offset + entry.size > icc.length) throw new RangeError('tag outside the profile');
    tags.set(icc.toString('latin1', at, at + 4), entry);
  }
  return tags;
}

/** An XYZType tag: 'XYZ ', 4 reserved bytes, then three s15Fixed16 numbers. */
function readXyz(icc: Buffer, tag: TagEntry | undefined): [number, number, number] | null {
  if (!tag || tag.size < 20 || icc.toString('latin1', tag.offset, tag.offset + 4) !== 'XYZ ') return null;
  const at = tag.offset + 8;
  return [icc.readInt32BE(at) / 65536, icc.readInt32BE(at + 4) / 65536, icc.readInt32BE(at + 8) / 65536];
}

/** A tone curve as a function from encoded [0, 1] to linear [0, 1]: 'curv' (gamma or table) or 'para'. */
function readCurve(icc: Buffer, tag: TagEntry | undefined): ((x: number) => number) | null {
  if (!tag || tag.size < 12) return null;
  const type = icc.toString('latin1', tag.offset, tag.offset + 4);
  if (type === 'curv') {
    const n = icc.readUInt32BE(tag.offset + 8);
    if (tag.size < 12 + 2 * n) return null;
    if (n === 0) return (x) => x;
    if (n === 1) {
      const gamma = icc.readUInt16BE(tag.offset + 12) / 256;
      return (x) => x ** gamma;
    }
    const table = Array.from({ length: n }, (_, i) => icc.readUInt16BE(tag.offset + 12 + 2 * i) / 65535);
    return (x) => {
      const pos = x * (n - 1);
      const i = Math.min(Math.floor(pos), n - 2);
      return table[i]! + (table[i + 1]! - table[i]!) * (pos - i);
    };
  }
  if (type === 'para') return readParametric(icc, tag);
  return null;
}

/** ICC parametricCurveType, function types 0-4 (ICC.1:2010 table 68). */
function readParametric(icc: Buffer, tag: TagEntry): ((x: number) => number) | null {
  const fn = icc.readUInt16BE(tag.offset + 8);
  const counts = [1, 3, 4, 5, 7];
  const n = counts[fn];
  if (n === undefined || tag.size < 12 + 4 * n) return null;
  const p = Array.from({ length: n }, (_, i) => icc.readInt32BE(tag.offset + 12 + 4 * i) / 65536);
  const [g, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0] = p as [number, ...number[]];
  const power = (x: number) => {
    const base = a * x + b;
    return base > 0 ? base ** g : 0;
  };
  switch (fn) {
    case 0:
      return (x) => x ** g;
    case 1:
      return (x) => (x >= -b / a ? power(x) : 0);
    case 2:
      return (x) => (x >= -b / a ? power(x) + c : c);
    case 3:
      return (x) => (x >= d ? power(x) : c * x);
    default:
      return (x) => (x >= d ? power(x) + e : c * x + f);
  }
}

function curveMatchesSrgb(curve: (x: number) => number): boolean {
  for (let level = 0; level <= 255; level++) {
    const linear = curve(level / 255);
    if (!Number.isFinite(linear)) return false;
    const back = linearToSrgb(Math.min(1, Math.max(0, linear))) * 255;
    if (Math.abs(back - level) > CURVE_TOLERANCE_LEVELS) return false;
  }
  return true;
}
