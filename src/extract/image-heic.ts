/**
 * The one module that talks to libheif-js (libheif compiled to WebAssembly, the decoder inside heic-decode): sharp's
 * prebuilt libvips reads AVIF but not HEVC-coded HEIC. libheif applies the container's rotation and mirror
 * (irot/imir) itself, but not its colour profile: the pixels come back as stored (Display P3 on iPhones), and
 * thumbnail/heif-colour.ts says what to convert them from.
 *
 * Driven directly rather than through heic-decode, which always asks for RGBA: a photo without an alpha plane (nearly
 * every one) is decoded to packed RGB instead. That is a quarter less to copy out of the WebAssembly heap, and above
 * all sharp then has no alpha to premultiply and unpremultiply around the resize of the whole 12 MP image (measured
 * about 100 ms of CPU per iPhone HEIC out of 350 for the rendering, see README).
 */
import type { RgbaPixels } from './image-io.js';
import { formatLogArgs } from './log-args.js';

export type HeicResult =
  | { ok: true; pixels: RgbaPixels }
  | { ok: false; tooLarge: true; width: number; height: number }
  | { ok: false; tooLarge: false; error: string };

/** Decodes the primary image, refusing before decoding when it exceeds pixelLimit. */
export async function decodeHeicPrimary(bytes: Uint8Array, pixelLimit: number): Promise<HeicResult> {
  // Loaded on first use: the WebAssembly decoder costs start-up time and memory in every worker, and most
  // libraries are mostly JPEG.
  const { default: libheif } = await import('libheif-js/wasm-bundle.js');
  // libheif-js reports errors with console.log, which would land on stdout (and break --json output): the message is
  // captured for the failure reason instead. Scoped to this call; workers run one task at a time.
  const said: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void said.push(formatLogArgs(args));
  const decoder = new libheif.HeifDecoder();
  let images: ReturnType<typeof decoder.decode> = [];
  try {
    images = decoder.decode(bytes);
    // The first top-level image, as heic-decode picked it.
    const first = images[0];
    if (!first) return { ok: false, tooLarge: false, error: said.join('; ') || 'no image inside the HEIF container' };
    const width = first.get_width();
    const height = first.get_height();
    if (width * height > pixelLimit) return { ok: false, tooLarge: true, width, height };
    const channels = first.has_alpha_channel() ? 4 : 3;
    const chroma = channels === 4 ? libheif.heif_chroma.heif_chroma_interleaved_RGBA : libheif.heif_chroma.heif_chroma_interleaved_RGB;
    const image = await libheif.heif_js_decode_image2(first.handle, libheif.heif_colorspace.heif_colorspace_RGB, chroma);
    if (!image || !('channels' in image)) return { ok: false, tooLarge: false, error: [image?.message || 'decoding failed', ...said].join(': ') };
    try {
      const plane = image.channels.find((c) => c.id === libheif.heif_channel.heif_channel_interleaved);
      if (!plane) return { ok: false, tooLarge: false, error: 'libheif returned no interleaved plane' };
      return { ok: true, pixels: { data: packRows(plane, channels), width: plane.width, height: plane.height, channels } };
    } finally {
      libheif.heif_image_release(image.image);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, tooLarge: false, error: [message, ...said].join(': ') };
  } finally {
    console.log = log;
    try {
      for (const image of images) image.free();
      decoder.decoder?.delete();
    } catch {
      // Freeing is best effort: the decode result (or error) is what matters.
    }
  }
}

/** The plane's rows copied out of the WebAssembly heap (a view that the next decode reuses), without row padding. */
function packRows(plane: { data: Uint8Array; width: number; height: number; stride: number }, channels: number): Uint8Array {
  const row = plane.width * channels;
  if (plane.stride === row) return Buffer.from(plane.data.subarray(0, row * plane.height));
  const out = Buffer.allocUnsafe(row * plane.height);
  for (let y = 0; y < plane.height; y++) out.set(plane.data.subarray(y * plane.stride, y * plane.stride + row), y * row);
  return out;
}
