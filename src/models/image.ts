/**
 * The only module of the CLIP code that imports sharp: decode an image (the thumbnail stage's preview, or any file
 * given to `search --like`) and resample it for the model. Pure arithmetic lives in preprocess.ts.
 */
import sharp from 'sharp';
import type { PreprocessConfig } from './model-dir.js';
import { planResize, toTensor } from './preprocess.js';

/** Decodes `file` (auto-oriented, sRGB, no alpha) and returns the model's normalised CHW input. */
export async function imageToTensor(file: string, cfg: PreprocessConfig, pixelLimit = 268_402_689): Promise<Float32Array> {
  const options = { limitInputPixels: pixelLimit, failOn: 'error' as const };
  // The header gives the size; orientation is applied first so the crop is taken from the upright image.
  const meta = await sharp(file, options).metadata();
  if (!meta.width || !meta.height) throw new Error('image has no pixel size');
  const swap = (meta.orientation ?? 1) >= 5;
  const plan = planResize(swap ? meta.height : meta.width, swap ? meta.width : meta.height, cfg);
  const data = await sharp(file, options)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .resize(plan.resizeWidth, plan.resizeHeight, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  return toTensor(new Uint8Array(data.buffer, data.byteOffset, data.length), plan, cfg);
}
