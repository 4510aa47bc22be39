/**
 * Worker half of the clip stage: turns a photo into the pixels the model sees (models/preprocess.ts ModelPixels; the
 * main half normalises them straight into the batch's buffer). Inference happens on its own thread, batched on one
 * session (stage.ts). Never throws: every outcome is a value: a list of pixels, one per frame (a photo has one).
 *
 * Three sources, same picture: the model input the thumbnail stage cut from its own decode when the model was
 * configured (input-file.ts; one small read), else the small clip source it keeps for models that come later
 * (source-file.ts), else the thumbnail stage's preview, decoded and resampled here.
 */
import fs from 'node:fs';
import { describeError } from '../../errors.js';
import type { PreprocessConfig } from '../../models/model-dir.js';
import type { ModelPixels } from '../../models/preprocess.js';
import type { StageOutcome, TaskInput } from '../stage.js';
import { failureFrom } from '../image-outcome.js';
import { clipSourcePath, modelInputPath, previewPath } from '../thumbnail/paths.js';
import { formatChoices } from '../thumbnail/formats.js';
import { geometryKey } from './input-file.js';
import { sourceServes } from './source-file.js';
import { takeModelInput, videoFramePixels } from './video-frames.js';

export async function run(input: TaskInput): Promise<StageOutcome<ModelPixels[]>> {
  try {
    const cfg = input.options.preprocess as PreprocessConfig | undefined;
    if (!cfg) return { status: 'failed', reason: 'clip: no model configured', retryable: false, stageFault: true };
    if (input.kind === 'video') {
      // A video's poster and frames, made by the video stage; without them (a re-embed), the poster's preview alone.
      const frames = await videoFramePixels(input.cacheDir, input.identity, cfg);
      if (frames.length) return { status: 'done', value: frames };
    }
    const ready = (await fromModelInput(input, cfg)) ?? (await fromClipSource(input, cfg));
    if (ready) return { status: 'done', value: [ready] };
    // In whichever format the thumbnail stage wrote it (--preview-format), so a re-embed finds a WebP preview too.
    const preview = formatChoices.map((f) => previewPath(input.cacheDir, input.identity, f)).find((p) => fs.existsSync(p));
    if (!preview) {
      // The thumbnail stage skipped this file (no decodable image) or its cache was removed: nothing to embed.
      return { status: 'skipped', reason: `no preview of ${input.path} in the cache (thumbnail stage made none)` };
    }
    const { imageToPixels } = await imageTensor();
    return { status: 'done', value: [await imageToPixels(preview, cfg)] };
  } catch (err) {
    return failureFrom(`${input.path}: cannot read its preview: ${describeError(err)}`, err, true);
  }
}

/**
 * The pixels of the clip source the thumbnail stage keeps (source-file.ts), or null when there is none, this model
 * would resample it (another input size or fit), or it cannot be read (the preview is the picture of record: a
 * damaged source only costs the slower decode).
 */
async function fromClipSource(input: TaskInput, cfg: PreprocessConfig): Promise<ModelPixels | null> {
  if (!sourceServes(cfg)) return null;
  // Read once: the decode's header look and its pixels then come from these bytes (none: no source).
  const bytes = await fs.promises.readFile(clipSourcePath(input.cacheDir, input.identity)).catch(() => null);
  if (!bytes) return null;
  const { unresampledPixels } = await imageTensor();
  return unresampledPixels(bytes, cfg).catch(() => null);
}

/**
 * Loaded on first need: when every photo's model input is there, this thread never needs sharp (loading it costs CPU
 * in every thread, while the model session is being created on the same cores).
 */
function imageTensor(): Promise<typeof import('../image-tensor.js')> {
  return import('../image-tensor.js');
}

/**
 * The pixels of the thumbnail stage's model input, or null when there is none that fits this model. The file is
 * removed once read: it is only a hand-over (about 150 KB per photo at 224 px), and a later re-embed (another model,
 * a retry) decodes the preview instead.
 */
function fromModelInput(input: TaskInput, cfg: PreprocessConfig): Promise<ModelPixels | null> {
  // None made (no model when the thumbnail ran, or already used): null, and the preview it is.
  return takeModelInput(modelInputPath(input.cacheDir, input.identity, geometryKey(cfg)), cfg);
}
