/**
 * The one module that talks to sharp (libvips). Everything here is decode/resize/encode; deciding what to do with a
 * file, and what an error means, is the caller's job.
 */
import sharp from 'sharp';
import { isSrgbProfile } from './thumbnail/srgb-profile.js';
import { tiffWithProfile } from './thumbnail/tagged-tiff.js';
import type { SourceProfile } from './thumbnail/heif-colour.js';
import { vipsCall } from './vips-lock.js';

export type OutputFormat = 'webp' | 'jpeg' | 'png' | 'avif';

/** Header facts, read without decoding pixels. */
export interface ImageHeader {
  format: string;
  width: number;
  /** Height of one page (first frame of an animation). */
  height: number;
  /** EXIF orientation 1..8 (1 when absent). */
  orientation: number;
  /** True when the pixels carry an alpha channel. */
  hasAlpha: boolean;
  /** Bits per sample as stored (8 for most; 10 for HDR AVIF/HEIF). */
  bitsPerSample: number;
  /**
   * True when the pixels are 8-bit RGB(A) and the embedded ICC profile is sRGB itself: converting through it to sRGB
   * is an identity (up to lcms' rounding), so renderEncoded skips that conversion.
   */
  profileIsSrgb: boolean;
}

/** Decoded pixels from another decoder (HEIC, video frames): 8-bit RGBA, or packed RGB where there is no alpha. */
export interface RgbaPixels {
  data: Uint8Array;
  width: number;
  height: number;
  /** 4 when absent. RGB when the source has no alpha: sharp premultiplies any alpha around a resize (costly at 12 MP). */
  channels?: 3 | 4;
}

export interface RenderRequest {
  thumbSize: number;
  thumbFormat: OutputFormat;
  previewSize: number;
  previewFormat: OutputFormat;
  /** Largest accepted width*height of the input; a backstop for the caller's own check. */
  pixelLimit: number;
  /**
   * How to orient: 'exif' honours the file's own EXIF orientation, a number 1..8 applies that orientation instead
   * (RAW previews carry the container's), 'none' leaves pixels as stored (HEIC: the decoder already applied it).
   */
  orient: 'exif' | 'none' | number;
  /**
   * When set, also resample a model's input from the same decode: given the upright size of the preview-sized pixels,
   * the size to resample them to (bicubic) and the part of that to keep. Absent: no extra work.
   */
  modelInput?: (width: number, height: number) => ModelInputCut;
  /**
   * When set, also make the clip source (extract/clip/source-file.ts): given the preview-sized pixels' size, the
   * source's size, or null for none.
   */
  clipSource?: (width: number, height: number) => { width: number; height: number } | null;
}

/** How to make a model's input: resample to resizeWidth x resizeHeight, then keep width x height at (left, top). */
export interface ModelInputCut {
  resizeWidth: number;
  resizeHeight: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Rendered {
  thumb: Buffer;
  preview: Buffer;
  /** Small RGBA rendition (at most 100x100) for the thumbhash. */
  hashPixels: { width: number; height: number; data: Uint8Array };
  /** Packed RGB model input (only when the request asked for it): sRGB, alpha flattened on white like the preview. */
  modelInput?: { width: number; height: number; data: Uint8Array };
  /** The clip source's JPEG (only when the request asked for it and the pixels are larger than the source). */
  clipSource?: Buffer;
}

/** libvips' operation cache only helps when the same image is processed twice; we never do. */
let configured = false;
function configure(): void {
  if (configured) return;
  configured = true;
  sharp.cache(false);
}

/** Reads the header of an encoded image (file path or bytes). Throws on unreadable input. */
export async function readHeader(input: string | Buffer): Promise<ImageHeader> {
  configure();
  const m = await vipsCall(() => sharp(input, { limitInputPixels: false, failOn: 'none' }).metadata());
  return {
    format: m.format ?? 'unknown',
    width: m.width ?? 0,
    height: m.pageHeight ?? m.height ?? 0,
    orientation: m.orientation && m.orientation >= 1 && m.orientation <= 8 ? m.orientation : 1,
    hasAlpha: !!m.hasAlpha,
    bitsPerSample: m.bitsPerSample ?? 8,
    profileIsSrgb: !!m.icc && m.space === 'srgb' && m.depth === 'uchar' && (m.channels === 3 || m.channels === 4) && isSrgbProfile(m.icc),
  };
}

/**
 * Decodes an encoded image once and produces thumbnail, preview and thumbhash pixels from that one decode. `header`
 * is readHeader's answer for the same input. `profile`, when given, is the colour space the decoded pixels are in
 * although the file carries no ICC profile for libvips to find (an AVIF stating Display P3 by nclx code points).
 */
export async function renderEncoded(
  input: string | Buffer,
  req: RenderRequest,
  header: Pick<ImageHeader, 'profileIsSrgb'>,
  profile?: SourceProfile,
): Promise<Rendered> {
  configure();
  // failOn 'error': truncated data and real decode errors fail; libjpeg's "extraneous bytes" warnings do not.
  // ignoreIcc only for a profile that is sRGB's own: libvips would otherwise run a full lcms transform on the
  // shrink-on-load-sized image to get the same pixels back. Other profiles convert.
  // vipsCall: a failure is decoded again alone, so its reason is this file's own (vips-lock.ts).
  return vipsCall(() => {
    let pipeline = sharp(input, {
      limitInputPixels: req.pixelLimit,
      failOn: 'error',
      pages: 1,
      sequentialRead: true,
      // With `profile` given, that profile is the one converted from, whatever libvips might make of the file.
      ignoreIcc: header.profileIsSrgb || !!profile,
    });
    if (req.orient === 'exif') pipeline = pipeline.rotate();
    else if (typeof req.orient === 'number') pipeline = applyOrientation(pipeline, req.orient);
    return profile ? renderTagged(pipeline, req, profile) : renderFrom(pipeline, req);
  });
}

/**
 * Same as renderEncoded for pixels another decoder produced. `profile` is the colour space the pixels are in when it
 * is not sRGB (an ICC profile's bytes, or 'p3' for libvips' Display P3): everything made here is converted from it.
 */
export async function renderPixels(pixels: RgbaPixels, req: RenderRequest, profile?: SourceProfile): Promise<Rendered> {
  configure();
  return vipsCall(() => {
    const pipeline = sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels ?? 4 } });
    return profile ? renderTagged(pipeline, req, profile) : renderFrom(pipeline, req);
  });
}

/**
 * renderFrom for pixels in `profile`'s colour space that sharp does not know it for: they are resized to the preview
 * size, wrapped in a TIFF carrying the profile, and rendered from that, so sharp converts them as it converts a JPEG
 * carrying the profile. Resized first, converted after: the transform then runs on the preview-sized pixels instead
 * of all of them (a 12 MP photo has several times a 1440 px preview's). Measured on iPhone HEICs, 96.7% of the values
 * come out identical to converting first and 99.9%
 * within one level; JPEGs are converted after their shrink-on-load, part way down, for the same reason.
 */
async function renderTagged(pipeline: sharp.Sharp, req: RenderRequest, profile: SourceProfile): Promise<Rendered> {
  // toColourspace('srgb') only settles the numbers into 8-bit RGB(A) (16-bit and grey decodes): no profile is known
  // to sharp here, so nothing is converted yet.
  const sized = await pipeline.resize(previewBox(req)).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const icc = profile === 'p3' ? await builtinP3Profile() : profile;
  const { width, height, channels } = sized.info;
  if (channels !== 3 && channels !== 4) throw new Error(`expected RGB or RGBA pixels before the profile conversion, got ${channels} channels`);
  // The preview-sized pixels feed renderFrom, whose resize to the preview size is then a no-op.
  return renderFrom(sharp(tiffWithProfile(sized.data, width, height, channels, icc), { limitInputPixels: req.pixelLimit, failOn: 'error' }), req);
}

/** The preview's bounding box: the one resize every rendering starts with. */
function previewBox(req: RenderRequest): sharp.ResizeOptions {
  return { width: req.previewSize, height: req.previewSize, fit: 'inside', withoutEnlargement: true };
}

let p3Profile: Promise<Buffer> | undefined;

/**
 * The bytes of libvips' built-in Display P3 profile (what sharp calls 'p3'), for pixels whose container names P3 by
 * code points rather than with a profile. Read once per thread from a 1x1 image tagged with it.
 */
function builtinP3Profile(): Promise<Buffer> {
  p3Profile ??= sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
    .withIccProfile('p3')
    .png()
    .toBuffer()
    .then((png) => sharp(png).metadata())
    .then((m) => {
      if (!m.icc) throw new Error("libvips attached no 'p3' profile");
      return m.icc;
    });
  // A failure is not kept: the next call tries again.
  p3Profile.catch(() => (p3Profile = undefined));
  return p3Profile;
}

async function renderFrom(pipeline: sharp.Sharp, req: RenderRequest): Promise<Rendered> {
  // The preview-sized decode is the one expensive step (JPEG shrink-on-load makes it cheap); the thumbnail and the
  // hash are resized from its pixels, which keeps it to one decode of the original.
  const { data, info } = await pipeline
    .resize(previewBox(req))
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;
  const hasAlpha = info.channels === 4 || info.channels === 2;
  const cut = req.modelInput?.(info.width, info.height);
  const sourceSize = req.clipSource?.(info.width, info.height) ?? undefined;
  const [preview, thumb, hash, clip] = await Promise.all([
    encode(sharp(data, raw), req.previewFormat, hasAlpha),
    encode(
      sharp(data, raw).resize({ width: req.thumbSize, height: req.thumbSize, fit: 'inside', withoutEnlargement: true }),
      req.thumbFormat,
      hasAlpha,
    ),
    sharp(data, raw)
      .resize({ width: 100, height: 100, fit: 'inside', withoutEnlargement: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true }),
    clipRenditions(sharp(data, raw), hasAlpha, cut, sourceSize),
  ]);
  const hashPixels = { width: hash.info.width, height: hash.info.height, data: hash.data };
  return { preview, thumb, hashPixels, modelInput: clip.modelInput, clipSource: clip.source };
}

/**
 * The model input and the clip source, each when asked for. Both are optional (without them the clip stage decodes
 * the preview), so a failure here must not fail the thumbnail. A 224 px shortest-edge model (the CLIP family)
 * resamples to the source's very size: its input is then cut from the source's pixels, one resample for both.
 */
async function clipRenditions(
  img: sharp.Sharp,
  hasAlpha: boolean,
  cut: ModelInputCut | undefined,
  sourceSize: { width: number; height: number } | undefined,
): Promise<{ modelInput?: RgbImage; source?: Buffer }> {
  const shared = !!cut && !!sourceSize && cut.resizeWidth === sourceSize.width && cut.resizeHeight === sourceSize.height;
  const [sourcePixels, ownInput] = await Promise.all([
    sourceSize ? resampleRgb(img.clone(), sourceSize.width, sourceSize.height, hasAlpha).catch(() => undefined) : undefined,
    cut && !shared ? modelInputFrom(img, cut, hasAlpha).catch(() => undefined) : undefined,
  ]);
  // The shared resample failed: the model input is still worth its own try.
  const modelInput = !shared ? ownInput : sourcePixels ? cropRgb(sourcePixels, cut!) : await modelInputFrom(img, cut!, hasAlpha).catch(() => undefined);
  const source = sourcePixels ? await encodeClipSource(sourcePixels).catch(() => undefined) : undefined;
  return { modelInput, source };
}

/** Quality 95 with full-resolution colour: see extract/clip/source-file.ts for the measurements behind it. */
function encodeClipSource(pixels: RgbImage): Promise<Buffer> {
  return sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 3 } })
    .jpeg({ quality: 95, chromaSubsampling: '4:4:4', optimiseCoding: false })
    .toBuffer();
}

/**
 * The model's input from the preview-sized pixels, resampled as decodeResizedRgb resamples a decoded preview, so the
 * clip stage sees the same picture whichever it gets (only the preview's JPEG loss differs).
 */
async function modelInputFrom(img: sharp.Sharp, cut: ModelInputCut, hasAlpha: boolean): Promise<RgbImage> {
  return cropRgb(await resampleRgb(img, cut.resizeWidth, cut.resizeHeight, hasAlpha), cut);
}

/** Packed RGB pixels of a size. */
type RgbImage = { width: number; height: number; data: Uint8Array };

/** sRGB, alpha flattened on white like the preview, resampled bicubic to exactly width x height. */
async function resampleRgb(img: sharp.Sharp, width: number, height: number, hasAlpha: boolean): Promise<RgbImage> {
  const { data, info } = await (hasAlpha ? img.flatten({ background: '#ffffff' }) : img)
    .toColourspace('srgb')
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== width || info.height !== height) {
    throw new Error(`resampled pixels came out ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  }
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** The cut's window of pixels resampled to its resize size (rows copied; the whole image when it is the window). */
function cropRgb(pixels: RgbImage, cut: ModelInputCut): RgbImage {
  if (cut.left < 0 || cut.top < 0 || cut.left + cut.width > pixels.width || cut.top + cut.height > pixels.height) {
    throw new Error(`model input window ${cut.width}x${cut.height} at ${cut.left},${cut.top} is outside ${pixels.width}x${pixels.height} pixels`);
  }
  if (cut.width === pixels.width && cut.height === pixels.height) return pixels;
  const row = cut.width * 3;
  const data = new Uint8Array(row * cut.height);
  for (let y = 0; y < cut.height; y++) {
    const from = ((cut.top + y) * pixels.width + cut.left) * 3;
    data.set(pixels.data.subarray(from, from + row), y * row);
  }
  return { width: cut.width, height: cut.height, data };
}

function encode(img: sharp.Sharp, format: OutputFormat, hasAlpha: boolean): Promise<Buffer> {
  switch (format) {
    case 'jpeg':
      // JPEG has no alpha: transparent areas become white rather than black. No Huffman optimisation pass (libvips'
      // default too): it costs about as much as the encode itself for a few percent of size.
      return (hasAlpha ? img.flatten({ background: '#ffffff' }) : img).jpeg({ quality: 82, optimiseCoding: false }).toBuffer();
    case 'webp':
      // Effort 2 of 6: a quarter faster than the default at these sizes, with no visible difference.
      return img.webp({ quality: 80, alphaQuality: 90, effort: 2 }).toBuffer();
    case 'png':
      return img.png({ compressionLevel: 6 }).toBuffer();
    case 'avif':
      return img.avif({ quality: 55, effort: 2 }).toBuffer();
  }
}

/**
 * Applies an EXIF orientation given from outside the image. sharp mirrors before it rotates, so the transposing
 * orientations (5, 7) are a mirror followed by the opposite quarter turn.
 */
function applyOrientation(img: sharp.Sharp, orientation: number): sharp.Sharp {
  switch (orientation) {
    case 2:
      return img.flop();
    case 3:
      return img.rotate(180);
    case 4:
      return img.flip();
    case 5:
      return img.flop().rotate(270);
    case 6:
      return img.rotate(90);
    case 7:
      return img.flop().rotate(90);
    case 8:
      return img.rotate(270);
    default:
      return img;
  }
}

/**
 * Decodes `file` upright, in sRGB without alpha, resampled (bicubic) to the size `plan` picks from the upright pixel
 * size: what a model's preprocessing needs (CLIP). Returns packed RGB bytes, or null when `plan` picks no size.
 */
export async function decodeResizedRgb(
  file: string | Uint8Array,
  pixelLimit: number,
  plan: (uprightWidth: number, uprightHeight: number) => { width: number; height: number } | null,
): Promise<Uint8Array | null> {
  configure();
  return vipsCall(() => decodeResizedRgbNow(file, pixelLimit, plan));
}

async function decodeResizedRgbNow(
  file: string | Uint8Array,
  pixelLimit: number,
  plan: (uprightWidth: number, uprightHeight: number) => { width: number; height: number } | null,
): Promise<Uint8Array | null> {
  const options = { limitInputPixels: pixelLimit, failOn: 'error' as const };
  // The header gives the size; orientation is applied first so a crop is taken from the upright image.
  const meta = await sharp(file, options).metadata();
  if (!meta.width || !meta.height) throw new Error('image has no pixel size');
  const swap = (meta.orientation ?? 1) >= 5;
  const size = plan(swap ? meta.height : meta.width, swap ? meta.width : meta.height);
  if (!size) return null;
  const data = await sharp(file, options)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .resize(size.width, size.height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/**
 * A model's input cut from pixels another decoder produced (video frames other than the poster), resampled exactly
 * as renderFrom cuts it from a preview. `cut` gets the pixels' size.
 */
export async function modelInputFromPixels(
  pixels: RgbaPixels,
  cut: (width: number, height: number) => ModelInputCut,
): Promise<{ width: number; height: number; data: Uint8Array }> {
  configure();
  const img = sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels ?? 4 } });
  return modelInputFrom(img, cut(pixels.width, pixels.height), false);
}
