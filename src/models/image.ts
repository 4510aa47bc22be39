/**
 * Decode an image (the thumbnail stage's preview, or any file given to `search --like`) and turn it into the model's
 * input. Decoding goes through the one sharp module (extract/image-io.ts); the arithmetic lives in preprocess.ts.
 */
import { decodeResizedRgb } from '../extract/image-io.js';
import type { PreprocessConfig } from './model-dir.js';
import { planResize, toTensor } from './preprocess.js';

/** Decodes `file` (auto-oriented, sRGB, no alpha) and returns the model's normalised CHW input. */
export async function imageToTensor(file: string, cfg: PreprocessConfig, pixelLimit = 268_402_689): Promise<Float32Array> {
  let plan: ReturnType<typeof planResize> | undefined;
  const rgb = await decodeResizedRgb(file, pixelLimit, (w, h) => {
    plan = planResize(w, h, cfg);
    return { width: plan.resizeWidth, height: plan.resizeHeight };
  });
  return toTensor(rgb, plan!, cfg);
}
