/**
 * The DCT perceptual hash (pHash, Zauner 2010; the algorithm of pHash.org's ph_dct_imagehash and of Python
 * imagehash.phash), 64 bits, from pixels the thumbnail stage already has: the small RGBA rendition made for the
 * thumbhash, itself resampled from the upright, sRGB preview-sized decode. So a photo stored rotated with an EXIF
 * orientation hashes like its upright copy, and a Display P3 HEIC like its sRGB JPEG export.
 *
 * Steps: luma (Rec. 601, alpha flattened on white) -> 32x32 by area averaging (aspect ratio dropped, as pHash does)
 * -> 2-D DCT-II -> the 8x8 lowest frequencies without the DC row and column (pHash.org's choice: the DC terms carry
 * overall brightness, which a brightness edit shifts) -> one bit per coefficient: above their median.
 * npm's sharp-phash computes the same hash but decodes the file itself; this reuses the stage's decode.
 */

const SIZE = 32;
const LOW = 8;

/** Cosine table of the 32-point DCT-II: COS[u * SIZE + x] = cos((2x + 1) u pi / 64). */
const COS = (() => {
  const t = new Float64Array(SIZE * SIZE);
  for (let u = 0; u < SIZE; u++) for (let x = 0; x < SIZE; x++) t[u * SIZE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIZE));
  return t;
})();

export interface RgbaImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, RGBA. */
  data: Uint8Array;
}

/** The 64-bit pHash as 16 lower-case hex digits (most significant bit = lowest frequency). */
export function perceptualHash(image: RgbaImage): string {
  const grey = resizeArea(luma(image), image.width, image.height, SIZE, SIZE);
  const coeffs = lowFrequencies(grey);
  const median = medianOf(coeffs);
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let v = 0;
    for (let b = 0; b < 4; b++) v = (v << 1) | (coeffs[nibble * 4 + b]! > median ? 1 : 0);
    hex += v.toString(16);
  }
  return hex;
}

function luma({ width, height, data }: RgbaImage): Float64Array {
  if (data.length !== width * height * 4) throw new Error(`expected ${width}x${height} RGBA pixels, got ${data.length} bytes`);
  const out = new Float64Array(width * height);
  for (let i = 0, p = 0; i < out.length; i++, p += 4) {
    const a = data[p + 3]! / 255;
    const y = 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!;
    out[i] = a * y + (1 - a) * 255;
  }
  return out;
}

/** Box (area-average) resampling, separable: every source pixel counts by the share of it each target pixel covers. */
function resizeArea(src: Float64Array, w: number, h: number, tw: number, th: number): Float64Array {
  const rows = new Float64Array(tw * h);
  const xw = areaWeights(w, tw);
  for (let y = 0; y < h; y++) for (const [t, s, weight] of xw) rows[y * tw + t]! += src[y * w + s]! * weight;
  const out = new Float64Array(tw * th);
  const yw = areaWeights(h, th);
  for (const [t, s, weight] of yw) for (let x = 0; x < tw; x++) out[t * tw + x]! += rows[s * tw + x]! * weight;
  return out;
}

/** [target index, source index, weight] triples; each target's weights sum to 1. */
function areaWeights(from: number, to: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  const scale = from / to;
  for (let t = 0; t < to; t++) {
    const start = t * scale;
    const end = start + scale;
    for (let s = Math.floor(start); s < Math.min(from, Math.ceil(end)); s++) {
      const cover = Math.min(end, s + 1) - Math.max(start, s);
      if (cover > 0) out.push([t, s, cover / scale]);
    }
  }
  return out;
}

/** DCT-II coefficients (u, v) for u, v in 1..8, row-major: the 64 the hash is made of. */
function lowFrequencies(grey: Float64Array): Float64Array {
  // Rows first: tmp[y][v] = sum_x grey[y][x] cos(v, x), only for the frequencies kept.
  const tmp = new Float64Array(SIZE * (LOW + 1));
  for (let y = 0; y < SIZE; y++) {
    for (let v = 1; v <= LOW; v++) {
      let sum = 0;
      for (let x = 0; x < SIZE; x++) sum += grey[y * SIZE + x]! * COS[v * SIZE + x]!;
      tmp[y * (LOW + 1) + v] = sum;
    }
  }
  const out = new Float64Array(LOW * LOW);
  for (let u = 1; u <= LOW; u++) {
    for (let v = 1; v <= LOW; v++) {
      let sum = 0;
      for (let y = 0; y < SIZE; y++) sum += tmp[y * (LOW + 1) + v]! * COS[u * SIZE + y]!;
      out[(u - 1) * LOW + (v - 1)] = sum;
    }
  }
  return out;
}

function medianOf(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return (sorted[mid - 1]! + sorted[mid]!) / 2;
}
