/**
 * The one module that talks to heic-decode (libheif compiled to WebAssembly): sharp's prebuilt libvips reads AVIF
 * but not HEVC-coded HEIC. libheif applies the container's rotation and mirror (irot/imir) itself, but not its colour
 * profile: the pixels come back as stored (Display P3 on iPhones), and thumbnail/heif-colour.ts says what to convert
 * them from.
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
  const { default: decodeHeic } = await import('heic-decode');
  let images: Awaited<ReturnType<typeof decodeHeic.all>> | undefined;
  // libheif-js reports errors with console.log, which would land on stdout (and break --json output): the message is
  // captured for the failure reason instead. Scoped to this call, the decode included (libheif-js logs its decode
  // errors from a timer); workers run one task at a time.
  const said: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void said.push(formatLogArgs(args));
  try {
    images = await decodeHeic.all({ buffer: bytes });
    const first = images[0];
    if (!first) return { ok: false, tooLarge: false, error: said.join('; ') || 'no image inside the HEIF container' };
    if (first.width * first.height > pixelLimit) return { ok: false, tooLarge: true, width: first.width, height: first.height };
    const decoded = await first.decode();
    return {
      ok: true,
      pixels: { data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength), width: decoded.width, height: decoded.height },
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, tooLarge: false, error: [message, ...said].join(': ') };
  } finally {
    console.log = log;
    try {
      images?.dispose();
    } catch {
      // Freeing is best effort: the decode result (or error) is what matters.
    }
  }
}
