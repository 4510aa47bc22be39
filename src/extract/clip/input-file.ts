/**
 * The model-input file: the pixels a CLIP model sees, resampled by the thumbnail stage from the same decode that made
 * the preview, so the clip stage does not decode the preview again (CPU taken from the cores that inference
 * needs). Written atomically next to the preview, read once by the clip worker and then deleted.
 *
 * Layout: 4-byte magic "IXM1", width and height as uint16 little-endian, then width*height packed RGB bytes (upright,
 * sRGB, alpha flattened on white as in the preview). The pixels are modelWindow's part of the resized image, so the
 * size alone rebuilds the plan (models/preprocess.ts planForWindow). Anything that does not match (torn, foreign, an
 * older layout) is ignored and the preview is decoded instead.
 */
import { isResizeMode, type PreprocessConfig } from '../../models/model-dir.js';

/** What decides the stored pixels: the model's input size and how an image is fitted to it. */
export type ModelInputGeometry = Pick<PreprocessConfig, 'width' | 'height' | 'resizeMode'>;

const MAGIC = Buffer.from('IXM1', 'latin1');
const HEADER = 8;

/**
 * Part of the file name: a model with another geometry never reads these pixels. Interpolation is not part of it:
 * both paths always resample bicubic, whatever the model's config says (see PreprocessConfig.interpolation).
 */
export function geometryKey(g: ModelInputGeometry): string {
  return `${g.resizeMode}-${g.width}x${g.height}`;
}

/** The geometry from a stage options value, or null when none (or something malformed) was given. */
export function geometryFrom(value: unknown): ModelInputGeometry | null {
  if (!value || typeof value !== 'object') return null;
  const g = value as Partial<ModelInputGeometry>;
  const size = (n: unknown) => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 0xffff;
  if (!size(g.width) || !size(g.height)) return null;
  if (!isResizeMode(g.resizeMode)) return null;
  return { width: g.width!, height: g.height!, resizeMode: g.resizeMode };
}

export function encodeModelInput(pixels: { width: number; height: number; data: Uint8Array }): Buffer {
  if (pixels.data.length !== pixels.width * pixels.height * 3) throw new Error('model input: not packed RGB of its size');
  const out = Buffer.allocUnsafe(HEADER + pixels.data.length);
  MAGIC.copy(out, 0);
  out.writeUInt16LE(pixels.width, 4);
  out.writeUInt16LE(pixels.height, 6);
  out.set(pixels.data, HEADER);
  return out;
}

/**
 * The pixels, when `bytes` is a whole model-input file that fits `g`: no side longer than the model's input (what
 * modelWindow keeps never is) and exactly as many bytes as the header promises. Null otherwise.
 */
export function decodeModelInput(bytes: Uint8Array, g: ModelInputGeometry): { width: number; height: number; rgb: Uint8Array } | null {
  if (bytes.length < HEADER) return null;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (!buf.subarray(0, 4).equals(MAGIC)) return null;
  const width = buf.readUInt16LE(4);
  const height = buf.readUInt16LE(6);
  if (!width || !height || width > g.width || height > g.height) return null;
  if (buf.length !== HEADER + width * height * 3) return null;
  return { width, height, rgb: bytes.subarray(HEADER) };
}
