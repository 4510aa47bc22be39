/**
 * Worker half of the thumbnail stage: one decode per file gives the preview, the thumbnail and the thumbhash.
 * Never throws, never touches the catalog.
 */
import fs from 'node:fs';
import { rgbaToThumbHash } from 'thumbhash';
import type { StageOutcome, TaskInput } from '../stage.js';
import { SNIFF_BYTES, TAIL_BYTES, describeHead, looksTruncated, sniffFormat, type SniffedFormat } from '../image-sniff.js';
import { readHeader, renderEncoded, renderPixels, type RenderRequest, type Rendered } from '../image-io.js';
import { decodeHeicPrimary } from '../image-heic.js';
import { decodeToPreview, describeHeifDecoder, heifDecoder, nativeFirst } from '../heif-native.js';
import { badFile, cacheWriteFailure, decoderMessage, ioFailure, readFileHead, readFileTail, unexpectedFailure } from '../image-outcome.js';
import { describeError } from '../../errors.js';
import { readOrientation } from '../exif/read.js';
import { findLargestJpeg } from './raw-preview.js';
import { readPrimaryColour, sourceProfile, type SourceProfile } from './heif-colour.js';
import { thumbnailOptions } from './options.js';
import { modelInputPath, previewPath, thumbPath } from './paths.js';
import { clipSourceRequest, keepClipSource } from '../clip/source-file.js';
import { encodeModelInput, geometryFrom, geometryKey, type ModelInputGeometry } from '../clip/input-file.js';
import { modelWindow } from '../../models/preprocess.js';
import { writeAtomic } from './write.js';
import { checkedSourceMoved } from '../source-stat.js';
import { perceptualHash } from './phash.js';

/** What the worker hands the main thread for one file. */
export interface ThumbnailValue {
  thumbPath: string;
  previewPath: string;
  /** Oriented pixel size of the original (of the embedded preview for RAW files). */
  width: number;
  height: number;
  /** base64 */
  thumbhash: string;
  /** 64-bit DCT perceptual hash, 16 hex digits (phash.ts), for `indexer duplicates`. */
  phash: string;
}

/** Formats sharp decodes directly. */
const SHARP_FORMATS: ReadonlySet<SniffedFormat> = new Set(['jpeg', 'png', 'gif', 'webp', 'tiff', 'avif']);
const RAW_FORMATS: ReadonlySet<SniffedFormat> = new Set(['tiff', 'cr3', 'raf', 'orf', 'rw2', 'jpeg']);

/** Rendered pixels plus the original's oriented size, or an outcome that ends the task. */
type Decoded = { ok: true; rendered: Rendered; width: number; height: number } | { ok: false; outcome: StageOutcome<never> };

export async function run(input: TaskInput): Promise<StageOutcome<ThumbnailValue>> {
  try {
    const options = thumbnailOptions(input.options);
    // Set by the stage when a CLIP model is configured: cut the model's input from this decode too (input-file.ts).
    const geometry = geometryFrom(input.options.modelInput);
    // Set by the stage when CLIP is in use: keep a small source for a model that comes later (source-file.ts).
    const req: RenderRequest = {
      ...options,
      orient: 'exif',
      ...clipSourceRequest(input.options),
      ...(geometry && { modelInput: (w: number, h: number) => modelWindow(w, h, geometry) }),
    };
    let head: Buffer;
    try {
      head = await readFileHead(input.path, SNIFF_BYTES);
    } catch (err) {
      return ioFailure(input.path, 'cannot read', err);
    }
    const format = sniffFormat(head);
    let decoded: Decoded;
    if (input.kind === 'video' || format === 'video') return { status: 'skipped', reason: 'video: thumbnails from videos are not made yet' };
    if (input.kind === 'raw' && RAW_FORMATS.has(format)) decoded = await fromRaw(input.path, req);
    else if (format === 'heic') decoded = await fromHeic(input.path, req);
    else if (format === 'avif') decoded = await fromAvif(input.path, req);
    else if (SHARP_FORMATS.has(format)) decoded = await fromEncoded(input.path, input.path, req);
    else return badFile(input.path, `not a recognised image (${describeHead(head)})`);
    if (!decoded.ok) return decoded.outcome;
    return await save(input, options.thumbFormat, options.previewFormat, decoded, geometry);
  } catch (err) {
    return unexpectedFailure(input.path, 'thumbnail', err);
  }
}

async function fromEncoded(path: string, source: string | Buffer, req: RenderRequest, profile?: SourceProfile): Promise<Decoded> {
  let header;
  try {
    header = await readHeader(source);
  } catch (err) {
    return { ok: false, outcome: badFile(path, `cannot read the image header: ${decoderMessage(err, path)}`) };
  }
  const refused = bombCheck(path, header.width, header.height, req.pixelLimit);
  if (refused) return refused;
  try {
    const rendered = await renderEncoded(source, req, header, profile);
    const orientation = req.orient === 'exif' ? header.orientation : typeof req.orient === 'number' ? req.orient : 1;
    const swap = orientation >= 5;
    return { ok: true, rendered, width: swap ? header.height : header.width, height: swap ? header.width : header.height };
  } catch (err) {
    return { ok: false, outcome: badFile(path, await decodeFailure(path, source, err)) };
  }
}

/** Names truncation when the file's structure shows it; decoders' own words otherwise. */
async function decodeFailure(path: string, source: string | Buffer, err: unknown): Promise<string> {
  const said = decoderMessage(err, path);
  try {
    const head = typeof source === 'string' ? await readFileHead(source, SNIFF_BYTES) : source.subarray(0, SNIFF_BYTES);
    const tail = typeof source === 'string' ? await readFileTail(source, TAIL_BYTES) : source.subarray(-TAIL_BYTES);
    const format = sniffFormat(head);
    if (looksTruncated(format, tail)) return `cannot decode: the ${format.toUpperCase()} data is truncated (no end marker); decoder said: ${said}`;
  } catch {
    // The structural hint is optional; the decoder's message stands alone.
  }
  return `cannot decode: ${said}`;
}

/** The whole file, or the failure that names it (HEIC and RAW parsers need every byte). */
async function readWhole(path: string): Promise<Buffer | Decoded> {
  try {
    return await fs.promises.readFile(path);
  } catch (err) {
    return { ok: false, outcome: ioFailure(path, 'cannot read', err) };
  }
}

async function fromHeic(path: string, req: RenderRequest): Promise<Decoded> {
  const bytes = await readWhole(path);
  if (!Buffer.isBuffer(bytes)) return bytes;
  // The decoders ignore the container's colour profile; the rendering converts from it (Display P3 on iPhones).
  const profile = sourceProfile(readPrimaryColour(bytes)) ?? undefined;
  const first = nativeFirst() ? await fromNativeHeif(path, req, profile) : null;
  if (first) return first;
  const result = await decodeHeicPrimary(bytes, req.pixelLimit);
  if (!result.ok) {
    if (result.tooLarge) return bombCheck(path, result.width, result.height, req.pixelLimit)!;
    const native = nativeFirst() ? null : await fromNativeHeif(path, req, profile);
    if (native) return native;
    return { ok: false, outcome: badFile(path, `cannot decode HEIC: ${decoderMessage(result.error, path)}${await highBitDepthNote(path)}`) };
  }
  try {
    const rendered = await renderPixels(result.pixels, { ...req, orient: 'none' }, profile);
    return { ok: true, rendered, width: result.pixels.width, height: result.pixels.height };
  } catch (err) {
    return { ok: false, outcome: badFile(path, `cannot resize the decoded HEIC: ${describeError(err)}`) };
  }
}

/**
 * HEIF (HEVC or AV1, 8- or 10-bit) through native libheif (heif-native.ts), decoded straight to the preview size;
 * null when the machine has no native decoder or it failed, so the other decoder decides (and words the error).
 */
async function fromNativeHeif(path: string, req: RenderRequest, profile: SourceProfile | undefined): Promise<Decoded | null> {
  const decoder = heifDecoder();
  if (decoder.kind !== 'native') return null;
  let header;
  try {
    header = await readHeader(path);
  } catch {
    return null;
  }
  const refused = bombCheck(path, header.width, header.height, req.pixelLimit);
  if (refused) return refused;
  const decoded = await decodeToPreview(decoder.vips, path, req.previewSize);
  if (!decoded.ok) return null;
  try {
    const out = await fromEncoded(path, decoded.file, { ...req, orient: 'none' }, profile);
    return out.ok ? { ...out, width: header.width, height: header.height } : null;
  } finally {
    decoded.release();
  }
}

/** Said when a decode failed on a file of more than 8 bits per sample and no decoder here reads those. */
async function highBitDepthNote(path: string): Promise<string> {
  try {
    const bits = (await readHeader(path)).bitsPerSample;
    return bits > 8 ? ` (${bits}-bit HEIF/AVIF is unsupported by this machine's decoders: ${describeHeifDecoder(heifDecoder())})` : '';
  } catch {
    return '';
  }
}

/**
 * AVIF: sharp decodes it and converts from an embedded ICC profile itself, but Display P3 stated by nclx code points
 * alone (no ICC) it leaves unconverted: that case is converted here. An ICC profile, when present, wins as before.
 */
async function fromAvif(path: string, req: RenderRequest): Promise<Decoded> {
  const bytes = await readWhole(path);
  if (!Buffer.isBuffer(bytes)) return bytes;
  const colour = readPrimaryColour(bytes);
  const profile = sourceProfile(colour) ?? undefined;
  const nclx = colour?.kind === 'nclx' ? profile : undefined;
  // sharp reads the file itself, as for the other formats (same errors, sequential reads).
  const viaSharp = await fromEncoded(path, path, req, nclx);
  if (viaSharp.ok) return viaSharp;
  // sharp's AV1 decoder refuses 10-bit files ("Bitstream not supported"): native libheif reads them.
  const native = await fromNativeHeif(path, req, profile);
  if (native?.ok) return native;
  if (viaSharp.outcome.status === 'failed') {
    viaSharp.outcome.reason += await highBitDepthNote(path);
  }
  return viaSharp;
}

/** RAW: the largest embedded JPEG preview, oriented by its own EXIF or else by the RAW file's. */
async function fromRaw(path: string, req: RenderRequest): Promise<Decoded> {
  const bytes = await readWhole(path);
  if (!Buffer.isBuffer(bytes)) return bytes;
  const found = findLargestJpeg(bytes);
  if (!found) return { ok: false, outcome: { status: 'skipped', reason: 'RAW file without an embedded JPEG preview' } };
  const jpeg = bytes.subarray(found.offset);
  let own = 1;
  try {
    own = (await readHeader(jpeg)).orientation;
  } catch {
    // An unreadable preview header is reported by the decode below.
  }
  const orientation = own !== 1 ? own : ((await readOrientation(bytes)) ?? 1);
  return fromEncoded(path, jpeg, { ...req, orient: orientation });
}

function bombCheck(path: string, width: number, height: number, limit: number): Decoded | null {
  if (width > 0 && height > 0 && width * height <= limit) return null;
  if (width <= 0 || height <= 0) return { ok: false, outcome: badFile(path, `image header gives no size (${width}x${height})`) };
  return {
    ok: false,
    outcome: badFile(
      path,
      `refused as a possible decompression bomb: ${width}x${height} = ${width * height} pixels exceeds the pixel limit ${limit} (--pixel-limit)`,
    ),
  };
}

async function save(
  input: TaskInput,
  thumbFormat: string,
  previewFormat: string,
  d: Extract<Decoded, { ok: true }>,
  geometry: ModelInputGeometry | null,
) {
  const thumb = thumbPath(input.cacheDir, input.identity, thumbFormat);
  const preview = previewPath(input.cacheDir, input.identity, previewFormat);
  const modelInput = geometry && d.rendered.modelInput;
  // Renditions are shared by identity: bytes that changed during the decode must not land under the old identity.
  const moved = checkedSourceMoved(input);
  if (moved) return moved;
  try {
    await Promise.all([
      writeAtomic(thumb, d.rendered.thumb),
      writeAtomic(preview, d.rendered.preview),
      modelInput && writeAtomic(modelInputPath(input.cacheDir, input.identity, geometryKey(geometry)), encodeModelInput(modelInput)),
      keepClipSource(input.cacheDir, input.identity, d.rendered.clipSource),
    ]);
  } catch (err) {
    return cacheWriteFailure(input.path, input.cacheDir, err);
  }
  const { width, height, data } = d.rendered.hashPixels;
  const hash = Buffer.from(rgbaToThumbHash(width, height, data)).toString('base64');
  const phash = perceptualHash(d.rendered.hashPixels);
  const value: ThumbnailValue = { thumbPath: thumb, previewPath: preview, width: d.width, height: d.height, thumbhash: hash, phash };
  return { status: 'done' as const, value };
}
