/**
 * CLIP for videos. The video stage leaves the poster's model input and those of a few frames spread over the clip
 * (video/work.ts); the clip worker turns them all into tensors, sent on as one value (the tensors end to end), and the
 * main half embeds every frame and stores one embedding per video: the normalised mean of its frames' embeddings.
 *
 * Why the mean: one row per file keeps search, --like, the vector file and the model-switch logic exactly as they are
 * for photos; the mean of a few frames of one clip stays close to each of them (a frame given to --like finds its
 * video), and text that fits most of the clip ranks it above text that fits one moment of it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PreprocessConfig } from '../../models/model-dir.js';
import { planForWindow, toTensor } from '../../models/preprocess.js';
import { normalize } from '../../search/vectors.js';
import { modelInputPath } from '../thumbnail/paths.js';
import { decodeModelInput, geometryKey } from './input-file.js';

/**
 * The tensors of every frame the video stage left for this model (poster first), or [] when it left none (no model
 * when it ran, or already used). The files are removed once read, as a photo's model input is.
 */
export async function videoFrameTensors(cacheDir: string, identity: string, cfg: PreprocessConfig): Promise<Float32Array[]> {
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
  const out: Float32Array[] = [];
  for (const file of [poster, ...frames]) {
    const tensor = await takeModelInput(file, cfg);
    if (tensor) out.push(tensor);
  }
  return out;
}

/**
 * One model-input file as a tensor, or null when it is missing or does not fit this model. The file is removed once
 * read (a photo's by the clip worker, a video's frames here): it is only a hand-over, and a file that cannot be
 * removed is only left for purge, since reading it again later would give the same pixels.
 */
export async function takeModelInput(file: string, cfg: PreprocessConfig): Promise<Float32Array | null> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch {
    return null;
  }
  await fs.promises.rm(file, { force: true }).catch(() => undefined);
  const pixels = decodeModelInput(bytes, cfg);
  return pixels && toTensor(pixels.rgb, planForWindow(pixels.width, pixels.height, cfg), cfg);
}

/** The tensors end to end: one value crosses the thread boundary per video. */
export function joinTensors(tensors: Float32Array[]): Float32Array {
  const out = new Float32Array(tensors.reduce((n, t) => n + t.length, 0));
  let at = 0;
  for (const t of tensors) out.set(t, (at += t.length) - t.length);
  return out;
}

/** A worker value back into its frames' tensors, or null when it is not whole tensors of `size`. */
export function splitTensors(value: unknown, size: number): Float32Array[] | null {
  if (!(value instanceof Float32Array) || value.length === 0 || value.length % size !== 0) return null;
  return Array.from({ length: value.length / size }, (_, i) => value.subarray(i * size, (i + 1) * size));
}

/** One embedding for several frames: the normalised mean. */
export function meanEmbedding(vectors: Float32Array[]): Float32Array {
  if (vectors.length === 1) return vectors[0]!;
  const sum = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) sum[i]! += v[i]!;
  return normalize(sum);
}
