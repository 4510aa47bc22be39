/**
 * Worker half of the clip stage: turns the thumbnail stage's preview (already decoded once and oriented) into the
 * model's normalised input tensor. Inference happens on the main thread, batched on one session (stage.ts).
 * Never throws: every outcome is a value.
 */
import fs from 'node:fs';
import { describeError } from '../../errors.js';
import { imageToTensor } from '../../models/image.js';
import type { PreprocessConfig } from '../../models/model-dir.js';
import type { StageOutcome, TaskInput } from '../stage.js';
import { previewPath } from '../thumbnail/paths.js';

export async function run(input: TaskInput): Promise<StageOutcome<Float32Array>> {
  try {
    const cfg = input.options.preprocess as PreprocessConfig | undefined;
    if (!cfg) return { status: 'failed', reason: 'clip: no model configured', retryable: false, stageFault: true };
    const preview = previewPath(input.cacheDir, input.identity);
    if (!fs.existsSync(preview)) {
      // The thumbnail stage skipped this file (no decodable image) or its cache was removed: nothing to embed.
      return { status: 'skipped', reason: `no preview of ${input.path} in the cache (thumbnail stage made none)` };
    }
    return { status: 'done', value: await imageToTensor(preview, cfg) };
  } catch (err) {
    return { status: 'failed', reason: `${input.path}: cannot read its preview: ${describeError(err)}`, retryable: true };
  }
}
