/**
 * A loaded CLIP model: both encoders (each opened on first use) and the tokenizer. Outputs are L2-normalised
 * embeddings, so comparing them is a dot product.
 */
import { normalize } from '../vectors.js';
import type { LoadCopyOptions } from './load-copy.js';
import type { ModelInfo } from './model-dir.js';
import { toTensor, type ModelPixels } from './preprocess.js';
import type { Device, ModelSession } from './onnx.js';
import { RemoteSession } from './remote-session.js';
import { ClipTokenizer } from './tokenizer.js';

export interface ClipModelOptions {
  device: Device;
  /** Fallback warnings. */
  warn(message: string): void;
  /** Which provider was chosen (said once per encoder). */
  info?(message: string): void;
  threads?: number;
  /** --verbose: native diagnostics of a device that could not be used are passed to warn too. */
  verbose?: boolean;
  /**
   * Load and run the image encoder on its own thread (remote-session.ts), so the caller's event loop stays free
   * while ORT works: the clip stage wants this, a one-shot search does not need the extra thread.
   */
  visualOffThread?: boolean;
  /** Where load copies of the encoders live (onnx.ts SessionOptions.loadCopies). */
  loadCopies?: LoadCopyOptions;
  /** ORT's prepacking of weights (onnx.ts SessionOptions.prepack): for long runs only; off unless asked. */
  prepack?: boolean;
}

/**
 * What ClipModel needs of a session, in-process or on its own thread. A session on its own thread hands the input's
 * buffer back with the result (`input`); one in this thread never took it.
 */
type VisualSession = {
  provider: string;
  run(
    input: { type: 'float32'; data: Float32Array },
    dims: number[],
    options?: { lendBuffer?: boolean },
  ): Promise<{ data: Float32Array; dims: readonly number[]; input?: Float32Array }>;
  release(): Promise<void>;
};

/** Batch buffers kept for reuse: one running and one queued behind it (the clip stage's batch.maxRunning). */
const maxSpareBatches = 2;

export class ClipModel {
  private visual: Promise<VisualSession> | null = null;
  private textual: Promise<ModelSession> | null = null;
  private tokenizer: ClipTokenizer | null = null;
  /** Buffers of finished batches, for the next ones (runBatch): two circulate when a batch is queued behind another. */
  private readonly spareBatches: Float32Array[] = [];

  private readonly options: ClipModelOptions;

  constructor(
    readonly info: ModelInfo,
    options: ClipModelOptions,
  ) {
    this.options = { ...options, prepack: options.prepack ?? false };
  }

  /** Provider of the visual encoder once opened ('cpu', 'cuda', 'webgpu'). */
  async visualProvider(): Promise<string> {
    return (await this.visualSession()).provider;
  }

  /** Embeds preprocessed images (each a CHW tensor of the model's input size) in one batch. */
  async encodeImages(tensors: Float32Array[]): Promise<Float32Array[]> {
    const per = 3 * this.info.preprocess.height * this.info.preprocess.width;
    for (const t of tensors) if (t.length !== per) throw new Error(`image tensor has ${t.length} values, the model wants ${per}`);
    return this.runBatch(tensors.length, (batch, i) => batch.set(tensors[i]!, i * per));
  }

  /** Embeds images given as their resized pixels (the clip stage's hand-over), normalised straight into the batch. */
  async encodePixels(images: ModelPixels[]): Promise<Float32Array[]> {
    const cfg = this.info.preprocess;
    const per = 3 * cfg.height * cfg.width;
    return this.runBatch(images.length, (batch, i) => toTensor(images[i]!.rgb, images[i]!.plan, cfg, batch, i * per));
  }

  /**
   * One batch of n images, `fill` writing image i into the batch's buffer. Buffers are reused from batch to batch
   * (the model thread hands each back): a new one of 10 MB per batch of 16 cost about 28 ms of page faults on a 2-core
   * VM, time taken from the cores inference runs on. A batch started while another runs gets a buffer of its own.
   */
  private async runBatch(n: number, fill: (batch: Float32Array, i: number) => void): Promise<Float32Array[]> {
    if (n === 0) return [];
    const { height, width } = this.info.preprocess;
    const size = n * 3 * height * width;
    // The smallest that fits (the list is smallest first): a short batch leaves the full ones' buffers to them.
    const spare = this.spareBatches.findIndex((b) => b.length >= size);
    const buffer = spare >= 0 ? this.spareBatches.splice(spare, 1)[0]! : new Float32Array(size);
    const batch = buffer.subarray(0, size);
    for (let i = 0; i < n; i++) fill(batch, i);
    const session = await this.visualSession();
    const out = await session.run({ type: 'float32', data: batch }, [n, 3, height, width], { lendBuffer: true });
    // Back from the model thread, or still ours when the session runs in this thread.
    const back = out.input ?? (buffer.buffer.byteLength > 0 ? buffer : null);
    if (back) {
      // The largest are kept: buffers of short batches (a flush on time, the run's end, a video's frames) must not
      // hold the places of full ones, which would then be made anew for every batch.
      this.spareBatches.push(back);
      this.spareBatches.sort((a, b) => a.length - b.length);
      this.spareBatches.splice(0, this.spareBatches.length - maxSpareBatches);
    }
    return split(out.data, n);
  }

  /** Embeds one text query. */
  async encodeText(text: string): Promise<Float32Array> {
    this.tokenizer ??= ClipTokenizer.fromFiles(this.info.tokenizerFile, this.info.tokenizerConfigFile, this.info.contextLength);
    const tokens = this.tokenizer.encode(text);
    this.textual ??= this.announce(
      inProcess().then(({ ModelSession }) => ModelSession.open(this.info.textualModel, this.options)),
      'text',
    );
    const session = await this.textual;
    const out = await session.run({ type: 'int32', data: tokens }, [1, tokens.length]);
    return split(out.data, 1)[0]!;
  }

  async release(): Promise<void> {
    for (const s of [this.visual, this.textual]) if (s) await (await s).release().catch(() => undefined);
    this.visual = this.textual = null;
  }

  private visualSession(): Promise<VisualSession> {
    const file = this.info.visualModel;
    this.visual ??= this.announce<VisualSession>(
      this.options.visualOffThread ? RemoteSession.open(file, this.options) : inProcess().then(({ ModelSession }) => ModelSession.open(file, this.options)),
      'image',
    );
    return this.visual;
  }

  private async announce<S extends { provider: string }>(opening: Promise<S>, what: string): Promise<S> {
    const session = await opening;
    this.options.info?.(`clip: ${what} encoder of ${this.info.name} on ${session.provider} (--device ${this.options.device})`);
    return session;
  }
}

/**
 * ONNX Runtime in this thread, loaded on first need: the clip stage runs its image encoder on a thread of its own,
 * and loading ORT here too (about 40 ms before that thread could even start) would only delay the model.
 */
function inProcess(): Promise<typeof import('./onnx.js')> {
  return import('./onnx.js');
}

function split(data: Float32Array, n: number): Float32Array[] {
  const dim = data.length / n;
  return Array.from({ length: n }, (_, i) => normalize(data.slice(i * dim, (i + 1) * dim)));
}
