/**
 * Main half of the clip stage. Workers prepare each photo's pixels (from the thumbnail stage's model input, else its
 * clip source, else its preview: worker.ts); batch.run normalises a batch of them into one buffer and embeds it on one
 * ORT session kept on its own thread (ORT runs synchronously: on the scheduler's thread it would stop the dispatching
 * of the next batch's previews for as long as each batch runs); commit stores the embedding with its model id.
 * The model id is part of the task fingerprint, so pointing --model at another model re-arms every file.
 */
import type { Db } from '../../catalog/open.js';
import { deleteEmbeddingRow } from '../../catalog/derived.js';
import { ensureModel, recordModel, saveEmbedding } from '../../catalog/embeddings.js';
import { describeError } from '../../errors.js';
import { ClipModel } from '../../models/clip-model.js';
import { loadCopiesHome, type ModelInfo } from '../../models/model-dir.js';
import type { StageConfig } from '../registry.js';
import type { CommitTarget, StageDefinition, StageOutcome } from '../stage.js';
import { clipModelFor, forgetFailedModel, type ModelResolution } from './model-source.js';
import { framesOf, meanEmbedding } from './video-frames.js';

export function clipStage(config: StageConfig): StageDefinition<Float32Array> | null {
  const session = new ClipSession(config);
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
      const r = session.resolve();
      return 'model' in r ? r.model.id : null;
    },
    preflight: async (context) => {
      const r = session.resolve();
      if ('problem' in r) return r.problem;
      // With tasks to run, the model starts loading now, beside the engine's start-up and the workers' first batch.
      if (context && context.pending > 0) session.startLoading(r.model, context.pending);
      return null;
    },
    options: () => session.workerOptions(),
    batch: {
      maxSize: config.clip.batchSize,
      // Long enough for workers to fill a batch while the previous one runs (GPUs want full batches); the engine
      // flushes at once when nothing else is coming.
      maxWaitMs: 500,
      // The next batch is normalised and queued on the model thread while one runs: no gap between runs.
      maxRunning: 2,
      run: (items) => session.embed(items),
    },
    forget: (db, fileId) => deleteEmbeddingRow(db, fileId),
    commit: (db, target, embedding) => session.commit(db, target, embedding),
  };
}

/**
 * Runs of at least this many images have ORT prepack the weights as the model opens (onnx.ts SessionOptions.prepack):
 * on 2 cores it made opening ViT-B/32 about 1.4 s longer and each image about 3.5 ms (10 %) shorter after, so it pays
 * from about 400 images.
 */
const prepackFrom = 400;

/** The run's model and its ORT session: resolved once, on first need, and loaded once. */
class ClipSession {
  private clip: ClipModel | null = null;
  private modelRecorded = false;

  constructor(private readonly config: StageConfig) {}

  /** Shared with the thumbnail stage (model-source.ts): a missing model is a reason to pause, not an error. */
  resolve(): ModelResolution {
    return clipModelFor(this.config);
  }

  /** What every worker call gets; called as each task is dispatched. */
  workerOptions(): Record<string, unknown> {
    const r = this.resolve();
    if (!('model' in r)) return {};
    // The first task starts loading the model if the preflight did not.
    this.startLoading(r.model);
    return { modelDir: r.model.dir, preprocess: r.model.preprocess };
  }

  /**
   * The model is hundreds of MB and most of a second to load: started once, early, while other work goes on (the
   * workers prepare the first batch). Load errors surface in embed().
   */
  startLoading(model: ModelInfo, pending?: number): void {
    if (this.clip) return;
    // Without a count (loading started by the first task instead of the preflight): ORT's default, prepacked.
    this.clipOf(model, pending === undefined || pending >= prepackFrom)
      .visualProvider()
      .catch(() => forgetFailedModel(this.config, model));
  }

  /** The batch step: embeds the workers' pixels on the one ORT session. */
  async embed(items: { target: CommitTarget; value: unknown }[]): Promise<StageOutcome<Float32Array>[]> {
    const r = this.resolve();
    if ('problem' in r) return items.map(() => fault(r.problem));
    // A photo's value is one image's pixels, a video's one per frame (video-frames.ts): every frame is embedded, in
    // one batch, and a video gets the mean of its frames.
    const frames = items.map((it) => framesOf(it.value));
    let vectors: Float32Array[];
    try {
      vectors = await this.clipOf(r.model).encodePixels(frames.flatMap((f) => f ?? []));
    } catch (err) {
      return items.map(() => fault(`clip: inference failed: ${describeError(err)}`));
    }
    let at = 0;
    return frames.map((f): StageOutcome<Float32Array> => {
      if (!f) return { status: 'failed', reason: 'clip: the worker handed over no usable pixels', retryable: true };
      at += f.length;
      return { status: 'done', value: meanEmbedding(vectors.slice(at - f.length, at)) };
    });
  }

  /** Stores the embedding with its model id (the model is recorded once per run, and its row kept present). */
  commit(db: Db, target: CommitTarget, embedding: Float32Array): void {
    const r = this.resolve();
    if (!('model' in r)) throw new Error('clip: commit without a model');
    const now = this.config.clock.now();
    const model = { id: r.model.id, name: r.model.name, dir: r.model.dir, dim: embedding.length };
    // Recorded (last use updated) once per run; later commits only make sure the row is there, since the first
    // one's transaction may have been rolled back.
    if (!this.modelRecorded) recordModel(db, model, now);
    else ensureModel(db, model, now);
    this.modelRecorded = true;
    saveEmbedding(db, target.fileId, r.model.id, embedding, now);
  }

  private clipOf(model: ModelInfo, prepack = true): ClipModel {
    const { clip, logger } = this.config;
    this.clip ??= new ClipModel(model, {
      device: clip.device,
      loadCopies: { home: loadCopiesHome(this.config.env) },
      prepack,
      warn: (m) => logger.warn(m),
      info: (m) => logger.info(m),
      visualOffThread: true,
      verbose: clip.verbose,
    });
    return this.clip;
  }
}

/** Not the file's fault: the engine's circuit breaker pauses the stage instead of spending attempts. */
function fault(reason: string): StageOutcome<Float32Array> {
  return { status: 'failed', reason, retryable: true, stageFault: true };
}
