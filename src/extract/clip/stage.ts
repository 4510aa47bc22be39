/**
 * Main half of the clip stage. Workers prepare input tensors from previews; batch.run embeds a batch of them on one
 * ORT session kept on its own thread (ORT runs synchronously: on the scheduler's thread it would stop the dispatching
 * of the next batch's previews for as long as each batch runs); commit stores the embedding with its model id.
 * The model id is part of the task fingerprint, so pointing --model at another model re-arms every file.
 */
import { deleteEmbeddingRow } from '../../catalog/derived.js';
import { recordModel, saveEmbedding } from '../../catalog/embeddings.js';
import { describeError } from '../../errors.js';
import { ClipModel } from '../../models/clip-model.js';
import type { ModelInfo } from '../../models/model-dir.js';
import type { Device } from '../../models/onnx.js';
import { systemClock, type Clock, type Logger } from '../../types.js';
import type { StageConfig } from '../registry.js';
import type { StageDefinition, StageOutcome } from '../stage.js';
import { defaultBatchSize } from './cli.js';
import { clipModelFor, forgetFailedModel } from './model-source.js';
import { meanEmbedding, splitTensors } from './video-frames.js';

/** Things the engine may pass beside StageConfig's fields; absent ones fall back to the process's. */
interface OptionalContext {
  clock?: Clock;
  logger?: Logger;
}

export function clipStage(config: StageConfig): StageDefinition<Float32Array> | null {
  const context = config as StageConfig & OptionalContext;
  const clock = context.clock ?? systemClock;
  const warn = (m: string) => (context.logger ? context.logger.warn(m) : process.stderr.write(m + '\n'));
  // Without a logger from the engine: stderr, so stdout stays clean for --json; --quiet silences the informational line.
  const info = (m: string) => (context.logger ? context.logger.info(m) : config.options.quiet ? undefined : process.stderr.write(m + '\n'));
  const device = (typeof config.options.device === 'string' ? config.options.device : 'auto') as Device;
  const batchSize = Number(config.options.batchSize) > 0 ? Number(config.options.batchSize) : defaultBatchSize;

  // Resolved once, on first need (shared with the thumbnail stage): a missing model is a reason to pause, not an error.
  const resolve = () => clipModelFor(config);
  let clip: ClipModel | null = null;
  const clipOf = (model: ModelInfo) => (clip ??= new ClipModel(model, { device, warn, info, visualOffThread: true, verbose: !!config.options.verbose }));
  let modelRecorded = false;
  // The model is hundreds of MB and most of a second to load: started once, early, while other work goes on. Load
  // errors surface in batch.run.
  const startLoading = (model: ModelInfo) => {
    if (clip) return;
    clipOf(model)
      .visualProvider()
      .catch(() => forgetFailedModel(config, model));
  };

  return {
    name: 'clip',
    version: 1,
    lane: 'inference',
    maxAttempts: 3,
    // A video's frames come from the video stage, a photo's preview from the thumbnail stage.
    dependsOn: ['thumbnail', 'video'],
    workerModule: new URL('./worker.js', import.meta.url).href,
    fingerprintExtra: 'none',
    verifySource: 'stat',
    accepts: () => ({ ok: true }),
    modelId: () => {
      const r = resolve();
      return 'model' in r ? r.model.id : null;
    },
    preflight: async (context) => {
      const r = resolve();
      if ('problem' in r) return r.problem;
      // With tasks to run, the model starts loading now, beside the engine's start-up and the workers' first batch.
      if (context && context.pending > 0) startLoading(r.model);
      return null;
    },
    options: () => {
      const r = resolve();
      if (!('model' in r)) return {};
      // Called as each task is dispatched: the first one starts loading the model if the preflight did not.
      startLoading(r.model);
      return { modelDir: r.model.dir, preprocess: r.model.preprocess };
    },
    batch: {
      maxSize: batchSize,
      // Long enough for workers to fill a batch while the previous one runs (GPUs want full batches); the engine
      // flushes at once when nothing else is coming.
      maxWaitMs: 500,
      run: async (items) => {
        const r = resolve();
        if ('problem' in r) return items.map(() => fault(r.problem));
        const expected = 3 * r.model.preprocess.width * r.model.preprocess.height;
        // A photo's value is one tensor, a video's one per frame (video-frames.ts): every frame is embedded, in one
        // batch, and a video gets the mean of its frames.
        const frames = items.map((it) => splitTensors(it.value, expected));
        let vectors: Float32Array[];
        try {
          vectors = await clipOf(r.model).encodeImages(frames.flatMap((f) => f ?? []));
        } catch (err) {
          return items.map(() => fault(`clip: inference failed: ${describeError(err)}`));
        }
        let at = 0;
        return frames.map((f): StageOutcome<Float32Array> => {
          if (!f) return { status: 'failed', reason: 'clip: input tensor has the wrong size', retryable: true };
          at += f.length;
          return { status: 'done', value: meanEmbedding(vectors.slice(at - f.length, at)) };
        });
      },
    },
    forget: (db, fileId) => deleteEmbeddingRow(db, fileId),
    commit: (db, target, embedding) => {
      const r = resolve();
      if (!('model' in r)) throw new Error('clip: commit without a model');
      const now = clock.now();
      if (!modelRecorded) {
        recordModel(db, { id: r.model.id, name: r.model.name, dir: r.model.dir, dim: embedding.length }, now);
        modelRecorded = true;
      }
      saveEmbedding(db, target.fileId, r.model.id, embedding, now);
    },
  };
}

/** Not the file's fault: the engine's circuit breaker pauses the stage instead of spending attempts. */
function fault(reason: string): StageOutcome<Float32Array> {
  return { status: 'failed', reason, retryable: true, stageFault: true };
}
