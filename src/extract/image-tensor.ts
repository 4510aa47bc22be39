/**
 * Decode an image (the thumbnail stage's preview, or any file given to `search --like`) and turn it into the model's
 * input. Decoding goes through the one sharp module (image-io.ts); the arithmetic is the model's (models/preprocess.ts).
 * It sits in extract, above both: models stays free of image decoding.
 */
import { decodeResizedRgb } from './image-io.js';
import type { PreprocessConfig } from '../models/model-dir.js';
import { planResize, toTensor, type ModelPixels, type ResizePlan } from '../models/preprocess.js';

/** Decodes `file` (auto-oriented, sRGB, no alpha) and returns the model's normalised CHW input. */
export async function imageToTensor(file: string, cfg: PreprocessConfig, pixelLimit = 268_402_689): Promise<Float32Array> {
  const { rgb, plan } = await imageToPixels(file, cfg, pixelLimit);
  return toTensor(rgb, plan, cfg);
}

/** Decodes `file` as imageToTensor does, and stops at the resized pixels (the clip worker's hand-over). */
export async function imageToPixels(file: string, cfg: PreprocessConfig, pixelLimit = 268_402_689): Promise<ModelPixels> {
  return (await pixelsOf(file, cfg, pixelLimit, true))!;
}

/**
 * As imageToPixels, or null unless the model takes the image at its own size: a clip source (clip/source-file.ts)
 * is used only where it is already what the model resamples to.
 */
export function unresampledPixels(file: string | Uint8Array, cfg: PreprocessConfig, pixelLimit = 268_402_689): Promise<ModelPixels | null> {
  return pixelsOf(file, cfg, pixelLimit, false);
}

async function pixelsOf(file: string | Uint8Array, cfg: PreprocessConfig, pixelLimit: number, resample: boolean): Promise<ModelPixels | null> {
  let plan: ResizePlan | undefined;
  const rgb = await decodeResizedRgb(file, pixelLimit, (w, h) => {
    plan = planResize(w, h, cfg);
    if (!resample && (plan.resizeWidth !== w || plan.resizeHeight !== h)) return null;
    return { width: plan.resizeWidth, height: plan.resizeHeight };
  });
  return rgb && { rgb, plan: plan! };
}
