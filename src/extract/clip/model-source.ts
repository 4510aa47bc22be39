/**
 * The CLIP model of a run, resolved once per stage configuration and shared by the two stages that need it: the clip
 * stage embeds with it, and the thumbnail stage cuts the model's input from its own decode (see input-file.ts).
 */
import { describeError } from '../../errors.js';
import { forgetModel, loadModelInfo, noModelHint, rememberModel, resolveModelDir, type ModelInfo } from '../../models/model-dir.js';
import type { StageConfig } from '../registry.js';
import type { ModelInputGeometry } from './input-file.js';

/** The model, or why there is none (a reason to pause the clip stage, not an error). */
export type ModelResolution = { model: ModelInfo } | { problem: string };

const resolved = new WeakMap<StageConfig, ModelResolution>();

/** --model, else $INDEXER_MODEL, the last one given, or an installed one (model-dir.ts resolveModelDir); cached. */
export function clipModelFor(config: StageConfig): ModelResolution {
  const known = resolved.get(config);
  if (known) return known;
  const spec = config.clip.model;
  const result = resolve(spec, config);
  resolved.set(config, result);
  return result;
}

/** What the last-used file held before this run remembered its --model (see forgetFailedModel). */
const rememberedBefore = new WeakMap<StageConfig, string | null>();

function resolve(spec: string | undefined, config: StageConfig): ModelResolution {
  const dir = resolveModelDir(spec, config.env);
  if (!dir) return { problem: `no CLIP model: ${noModelHint}` };
  try {
    // Configs checked first (loadModelInfo refuses absurd sizes): a model that fails that is never remembered.
    const model = loadModelInfo(dir);
    if (spec) rememberedBefore.set(config, rememberModel(dir, config.env));
    return { model };
  } catch (err) {
    return { problem: describeError(err) };
  }
}

/**
 * A --model whose encoder then failed to load must not stay every later run's (and every other catalog's) default:
 * the model remembered before it is remembered again.
 */
export function forgetFailedModel(config: StageConfig, model: ModelInfo): void {
  if (rememberedBefore.has(config)) forgetModel(model.dir, rememberedBefore.get(config)!, config.env);
}

/** The input geometry of the run's model, or null when no usable model is configured. */
export function modelInputGeometry(config: StageConfig): ModelInputGeometry | null {
  const r = clipModelFor(config);
  if (!('model' in r)) return null;
  const { width, height, resizeMode } = r.model.preprocess;
  return { width, height, resizeMode };
}

/**
 * Whether the thumbnail and video stages keep a clip source (source-file.ts) for a model that comes later: when a
 * model is configured (a 224 px shortest-edge model's input is then cut from the source's own resample, which leaves
 * the source its encoding to pay), or when the run includes the clip stage (waiting for a model). A run told to
 * leave CLIP out (--stages thumbnail,exif without a model) pays nothing for it: about 5 ms of CPU per photo.
 */
export function clipSourceWanted(config: StageConfig): boolean {
  return modelInputGeometry(config) !== null || config.selectedStages === null || config.selectedStages.includes('clip');
}
