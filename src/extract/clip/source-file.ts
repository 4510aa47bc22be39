/**
 * The clip source: a small JPEG of the photo that the thumbnail and video stages keep beside its thumbnail and
 * preview when CLIP is in use (model-source.ts clipSourceWanted). A CLIP model that comes later (pulled after the
 * scan, or a switch to another model, which re-embeds everything) reads it instead of decoding the 1440 px preview:
 * on a 2-core machine that decode took about 8 ms of CPU per photo beside about 70 ms of inference on the same cores,
 * this one about 2 ms.
 *
 * Why this size and quality (measured on the shared corpus's camera JPEGs and a synthetic set, against the pixels a
 * model gets when its input is cut at thumbnail time): short side 224, the input of the CLIP family (ViT-B/32, B/16,
 * L/14), so those models take it as it is; JPEG quality 95 with full-resolution colour (4:4:4): 1.5 levels of mean
 * difference (99th percentile 6), closer than the preview path (1.9, 7.7), at about 30-45 KB per photo (quality 90 or
 * halved colour resolution moved it 2-6 levels). Only a model that takes the source as it is uses it; any other
 * (another input size or fit) decodes the preview, since resampling the source again moved its input by about 2
 * levels.
 */
import fs from 'node:fs';
import type { PreprocessConfig } from '../../models/model-dir.js';
import { planResize } from '../../models/preprocess.js';
import { clipSourcePath } from '../thumbnail/paths.js';
import { writeAtomic } from '../thumbnail/write.js';

/** The source's short side. */
export const clipSourceSide = 224;

/**
 * The source's size for preview-sized pixels of `width` x `height`: the short side brought to 224, the long side as
 * a 224 px shortest-edge model truncates it (so such a model resamples nothing). Null when the short side is 224 or
 * less: the preview is then as small as the source would be.
 */
export function clipSourceSize(width: number, height: number): { width: number; height: number } | null {
  if (Math.min(width, height) <= clipSourceSide) return null;
  const plan = planResize(width, height, { width: clipSourceSide, height: clipSourceSide, resizeMode: 'shortest' });
  return { width: plan.resizeWidth, height: plan.resizeHeight };
}

/** Whether a model takes the source as it is: shortest-edge resizing to 224 px (its crop may be any window). */
export function sourceServes(cfg: Pick<PreprocessConfig, 'width' | 'height' | 'resizeMode'>): boolean {
  return cfg.resizeMode === 'shortest' && Math.min(cfg.width, cfg.height) === clipSourceSide;
}

/** The rendering request's part for a worker whose stage wants a source (options.clipSource, clipSourceWanted). */
export function clipSourceRequest(options: Record<string, unknown>): { clipSource?: typeof clipSourceSize } {
  return options.clipSource === true ? { clipSource: clipSourceSize } : {};
}

/**
 * Writes a rendering's source, or removes the one an earlier rendering of this identity left (a source not wanted
 * this time, or none made): a source never outlives the rendering it was cut from.
 */
export async function keepClipSource(cacheDir: string, identity: string, source: Buffer | undefined): Promise<void> {
  const file = clipSourcePath(cacheDir, identity);
  if (source) await writeAtomic(file, source);
  // One that cannot be removed (a cache shared between users) must not fail the thumbnail made beside it: it was cut
  // from the same bytes, only by an older rendering.
  else await fs.promises.rm(file, { force: true }).catch(() => undefined);
}
