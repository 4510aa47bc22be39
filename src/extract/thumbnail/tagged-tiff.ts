/**
 * Wraps raw 8-bit pixels in an uncompressed TIFF that carries an ICC profile (pure bytes, no sharp).
 *
 * sharp's raw-pixel input cannot say which colour space the pixels are in, and withIccProfile() converts the output
 * *to* a profile rather than declaring the input's. Handed a TIFF with the profile embedded, sharp converts from that
 * profile to sRGB exactly as it does for a JPEG carrying it. Uncompressed, single strip: building it is one copy of
 * the pixels and libvips reads it back without decoding anything.
 */

/** TIFF field types used here (TIFF 6.0, section 2). */
const SHORT = 3;
const LONG = 4;
const UNDEFINED = 7;

interface Field {
  tag: number;
  type: typeof SHORT | typeof LONG | typeof UNDEFINED;
  count: number;
  /** The value itself when it fits the entry's 4 bytes; else the offset of the out-of-line bytes. */
  value: number;
}

/** A little-endian baseline RGB(A) TIFF of `pixels` (width * height * channels bytes) with `icc` embedded. */
export function tiffWithProfile(pixels: Uint8Array, width: number, height: number, channels: 3 | 4, icc: Uint8Array): Buffer {
  const bytes = width * height * channels;
  if (pixels.length !== bytes) throw new RangeError(`${pixels.length} bytes of pixels for ${width}x${height}x${channels}`);
  if (bytes > 0xffffffff) throw new RangeError(`${width}x${height} is too large for a single-strip TIFF`);
  const fieldCount = channels === 4 ? 12 : 11;
  const ifdBytes = 2 + 12 * fieldCount + 4;
  const bitsAt = 8 + ifdBytes;
  const iccAt = bitsAt + 2 * channels;
  // Word-aligned pixel data, as TIFF readers expect for out-of-line values.
  const pixelsAt = iccAt + icc.length + (icc.length % 2);
  const fields: Field[] = [
    { tag: 256, type: LONG, count: 1, value: width }, // ImageWidth
    { tag: 257, type: LONG, count: 1, value: height }, // ImageLength
    { tag: 258, type: SHORT, count: channels, value: bitsAt }, // BitsPerSample: 8 each (out of line: > 4 bytes)
    { tag: 259, type: SHORT, count: 1, value: 1 }, // Compression: none
    { tag: 262, type: SHORT, count: 1, value: 2 }, // PhotometricInterpretation: RGB
    { tag: 273, type: LONG, count: 1, value: pixelsAt }, // StripOffsets
    { tag: 277, type: SHORT, count: 1, value: channels }, // SamplesPerPixel
    { tag: 278, type: LONG, count: 1, value: height }, // RowsPerStrip: one strip
    { tag: 279, type: LONG, count: 1, value: bytes }, // StripByteCounts
    { tag: 284, type: SHORT, count: 1, value: 1 }, // PlanarConfiguration: interleaved
    ...(channels === 4 ? [{ tag: 338, type: SHORT, count: 1, value: 2 } as Field] : []), // ExtraSamples: unassociated alpha
    { tag: 34675, type: UNDEFINED, count: icc.length, value: iccAt }, // ICC profile
  ];
  const head = Buffer.alloc(pixelsAt);
  head.write('II', 0, 'latin1');
  head.writeUInt16LE(42, 2);
  head.writeUInt32LE(8, 4); // first IFD right after the header
  head.writeUInt16LE(fields.length, 8);
  fields.forEach((f, i) => {
    const at = 10 + 12 * i;
    head.writeUInt16LE(f.tag, at);
    head.writeUInt16LE(f.type, at + 2);
    head.writeUInt32LE(f.count, at + 4);
    // A single SHORT sits in the first two bytes of the value field; offsets and LONGs take all four.
    if (f.type === SHORT && f.count === 1) head.writeUInt16LE(f.value, at + 8);
    else head.writeUInt32LE(f.value, at + 8);
  });
  head.writeUInt32LE(0, 10 + 12 * fields.length); // no next IFD
  for (let c = 0; c < channels; c++) head.writeUInt16LE(8, bitsAt + 2 * c);
  head.set(icc, iccAt);
  return Buffer.concat([head, pixels], pixelsAt + bytes);
}
