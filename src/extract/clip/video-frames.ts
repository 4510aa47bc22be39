/**
 * CLIP for videos. The video stage leaves the poster's model input and those of a few frames spread over the clip
 * (video/work.ts); the clip worker reads them all and sends them on as one value (a list of pixels, as a photo's
 * one), and the main half embeds every frame and stores one embedding per video: the normalised mean of its frames'
 * embeddings.
 *
 * Why the mean: one row per file keeps search, --like, the vector file and the model-switch logic exactly as they are
 * for photos; the mean of a few frames of one clip stays close to each of them (a frame given to --like finds its
 * video), and text that fits most of the clip ranks it above text that fits one moment of it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PreprocessConfig } from '../../models/model-dir.js';
import { isModelPixels, planForWindow, type ModelPixels } from '../../models/preprocess.js';
import { normalize } from '../../search/vectors.js';
import { modelInputPath } from '../thumbnail/paths.js';
import { decodeModelInput, geometryKey } from './input-file.js';

/**
 * The pixels of every frame the video stage left for this model (poster first), or [] when it left none (no model
 * when it ran, or already used). The files are removed once read, as a photo's model input is.
 */
export async function videoFramePixels(cacheDir: string, identity: string, cfg: PreprocessConfig): Promise<ModelPixels[]> {
  const key = geometryKey(cfg);
  const poster = modelInputPath(cacheDir, identity, key);
  const dir = path.dirname(poster);
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return [];
  }
  const framePattern = new RegExp(`^${identity}\\.${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.f(\\d+)\\.rgb$`);
  const frames = names
    .map((n) => ({ n, m: framePattern.exec(n) }))
    .filter((x) => x.m)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]))
    .map((x) => path.join(dir, x.n));
  const out: ModelPixels[] = [];
  for (const file of [poster, ...frames]) {
    const pixels = await takeModelInput(file, cfg);
    if (pixels) out.push(pixels);
  }
  return out;
}

/**
 * One model-input file as pixels, or null when it is missing or does not fit this model. The file is removed once
 * read (a photo's by the clip worker, a video's frames here): it is only a hand-over, and a file that cannot be
 * removed is only left for purge, since reading it again later would give the same pixels.
 */
export async function takeModelInput(file: string, cfg: PreprocessConfig): Promise<ModelPixels | null> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch {
    return null;
  }
  await fs.promises.rm(file, { force: true }).catch(() => undefined);
  const pixels = decodeModelInput(bytes, cfg);
  return pixels && { rgb: pixels.rgb, plan: planForWindow(pixels.width, pixels.height, cfg) };
}

/** A worker's value back into its frames (one for a photo), or null when it is not a list of usable pixels. */
export function framesOf(value: unknown): ModelPixels[] | null {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isModelPixels)) return null;
  return value;
}

/** One embedding for several frames: the normalised mean. */
export function meanEmbedding(vectors: Float32Array[]): Float32Array {
  if (vectors.length === 1) return vectors[0]!;
  const sum = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) sum[i]! += v[i]!;
  return normalize(sum);
}
