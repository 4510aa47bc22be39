/**
 * The CLIP model of a run, resolved once per stage configuration and shared by the two stages that need it: the clip
 * stage embeds with it, and the thumbnail stage cuts the model's input from its own decode (see input-file.ts).
 */
import { describeError } from '../../errors.js';
import { loadModelInfo, noModelHint, rememberModel, resolveModelDir, type ModelInfo } from '../../models/model-dir.js';
import type { StageConfig } from '../registry.js';
import type { ModelInputGeometry } from './input-file.js';

/** The model, or why there is none (a reason to pause the clip stage, not an error). */
export type ModelResolution = { model: ModelInfo } | { problem: string };

const resolved = new WeakMap<StageConfig, ModelResolution>();

/** --model, else $INDEXER_MODEL, the last one given, or an installed one (model-dir.ts resolveModelDir); cached. */
export function clipModelFor(config: StageConfig): ModelResolution {
  const known = resolved.get(config);
  if (known) return known;
  const spec = typeof config.options.model === 'string' ? config.options.model : undefined;
  const result = resolve(spec, config.env);
  resolved.set(config, result);
  return result;
}

function resolve(spec: string | undefined, env: NodeJS.ProcessEnv): ModelResolution {
  const dir = resolveModelDir(spec, env);
  if (!dir) return { problem: `no CLIP model: ${noModelHint}` };
  try {
    return { model: loadModelInfo(dir) };
  } catch (err) {
    return { problem: describeError(err) };
  }
}

/**
 * Makes a model given with --model the default for later runs without one. Called only once its encoder has loaded:
 * a model that fails to load must not become every later run's (and every other catalog's) default.
 */
export function rememberGivenModel(config: StageConfig, model: ModelInfo): void {
  if (typeof config.options.model === 'string' && config.options.model) rememberModel(model.dir, config.env);
}

/** The input geometry of the run's model, or null when no usable model is configured. */
export function modelInputGeometry(config: StageConfig): ModelInputGeometry | null {
  const r = clipModelFor(config);
  if (!('model' in r)) return null;
  const { width, height, resizeMode } = r.model.preprocess;
  return { width, height, resizeMode };
}
