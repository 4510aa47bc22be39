/**
 * The only module that imports onnxruntime-node. Opens sessions on the requested execution provider, falling back
 * to the CPU with a warning when that provider cannot start (no GPU, no CUDA libraries, no WebGPU adapter) or
 * fails during a run: a device problem never fails the run.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

import { physicalCores } from './cpu-cores.js';
import type { Device } from './devices.js';
import { loadFileFor, refuseLoadCopy, type LoadCopyOptions } from './load-copy.js';
import { probeWebGpu } from './webgpu-probe.js';

export { devices, type Device } from './devices.js';

/**
 * Providers --device auto tries, fastest first, skipping those that cannot work here: CUDA only when its provider
 * library has been installed beside onnxruntime-node, WebGPU only when the machine shows a GPU device. (Trying
 * them anyway costs time and makes the GPU libraries print their own complaints on stderr.)
 */
function autoOrder(): Exclude<Device, 'auto'>[] {
  const order: Exclude<Device, 'auto'>[] = [];
  if (cudaProviderInstalled()) order.push('cuda');
  if (gpuDevicePresent()) order.push('webgpu');
  order.push('cpu');
  return order;
}

function cudaProviderInstalled(): boolean {
  try {
    const pkg = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const dir = path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
    return fs.existsSync(path.join(dir, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

function gpuDevicePresent(): boolean {
  try {
    if (fs.existsSync('/dev/nvidia0')) return true;
    return fs.readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  } catch {
    return false;
  }
}

export interface SessionOptions {
  device: Device;
  /** Where fallback warnings go (one line each). */
  warn(message: string): void;
  /** Intra-op threads for the CPU provider (default: one per physical core, cpu-cores.ts; 0: ORT's own choice). */
  threads?: number;
  /** Let ORT's threads spin between ops (ORT's default; off here, see create()). For the benchmark's bare peer. */
  spinning?: boolean;
  /** --verbose: a provider's native diagnostics are passed to warn too (else only the one-line reason). */
  verbose?: boolean;
  /**
   * Where load copies live (load-copy.ts): a large model is opened from a copy with its weights outside the graph,
   * made on first use. Absent: the file is opened as it is.
   */
  loadCopies?: LoadCopyOptions;
  /**
   * ORT's prepacking of weights at load (its default, on). It costs about 1.4 s when opening ViT-B/32's image encoder
   * on 2 cores and saves about 3.5 ms per image after: worth it for a few hundred images and more, not for one query.
   */
  prepack?: boolean;
}

/** One model on one provider; run() survives a provider that breaks mid-run by reopening on the CPU. */
export class ModelSession {
  private constructor(
    /** The model file, and what was opened for it (its load copy, or itself). */
    private readonly file: string,
    private readonly source: string,
    private session: ort.InferenceSession,
    /** The provider actually in use. */
    public provider: string,
    private readonly options: SessionOptions,
  ) {}

  /**
   * Wraps a session opened elsewhere as if on `provider` (tests use it to make a provider fail mid-run; the
   * fallback then reopens `file` on the CPU).
   */
  static wrap(file: string, session: Pick<ort.InferenceSession, 'run' | 'release' | 'inputNames' | 'outputNames' | 'inputMetadata'>, provider: string, options: SessionOptions): ModelSession {
    return new ModelSession(file, file, session as ort.InferenceSession, provider, options);
  }

  static async open(file: string, options: SessionOptions): Promise<ModelSession> {
    const wanted = options.device === 'auto' ? autoOrder() : [options.device, 'cpu' as const];
    const failures: string[] = [];
    const source = options.loadCopies ? loadFileFor(file, options.loadCopies) : file;
    for (const provider of wanted) {
      if (provider === 'webgpu') {
        // Asked of a child process first: WebGPU's native libraries print to our stderr when they find no adapter.
        const probe = await probeWebGpu(file);
        if (!probe.ok) {
          failures.push(`webgpu: ${probe.reason}`);
          if (options.verbose) for (const line of probe.nativeLog) options.warn(`clip: webgpu native log: ${line}`);
          continue;
        }
      }
      try {
        const session = await createFrom(source, file, provider, options);
        if (failures.length && options.device !== 'auto') {
          const more = options.verbose ? '' : ' (--verbose for details)';
          options.warn(`clip: --device ${options.device} is not usable (${failures.join('; ')}); falling back to cpu${more}`);
        }
        return new ModelSession(file, session.source, session.session, provider, options);
      } catch (err) {
        failures.push(`${provider}: ${firstLine(err)}`);
        if (provider === 'cpu') throw new Error(`cannot load ${file}: ${firstLine(err)}`);
      }
    }
    throw new Error(`cannot load ${file}: ${failures.join('; ')}`);
  }

  get inputName(): string {
    return this.session.inputNames[0]!;
  }

  /** Whether the first input wants int64 (some exports) rather than int32 token ids. */
  get wantsInt64(): boolean {
    const meta = this.session.inputMetadata?.[0];
    return !!meta && meta.isTensor && meta.type === 'int64';
  }

  /** Runs the model on one batch and returns the first output's data and shape. */
  async run(input: { type: 'float32'; data: Float32Array } | { type: 'int32'; data: Int32Array }, dims: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
    const feed = () => ({ [this.inputName]: tensorFor(input, dims, this.wantsInt64) });
    try {
      return outputOf(await this.session.run(feed()), this.session.outputNames[0]!);
    } catch (err) {
      if (this.provider === 'cpu') throw err;
      this.options.warn(`clip: ${this.provider} failed during inference (${firstLine(err)}); falling back to cpu`);
      await this.session.release().catch(() => undefined);
      this.session = (await createFrom(this.source, this.file, 'cpu', this.options)).session;
      this.provider = 'cpu';
      return outputOf(await this.session.run(feed()), this.session.outputNames[0]!);
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Opens `source` (a load copy of `file`, or `file`). When the CPU provider refuses the copy but takes the file
 * itself, the copy is not used again: a model the rewrite does not suit must still load as it always did. A GPU
 * provider's failure is its own (out of memory, no driver): reported as before, and the copy stays.
 */
async function createFrom(
  source: string,
  file: string,
  provider: Exclude<Device, 'auto'>,
  options: SessionOptions,
): Promise<{ session: ort.InferenceSession; source: string }> {
  try {
    return { session: await create(source, provider, options), source };
  } catch (err) {
    if (source === file || provider !== 'cpu') throw err;
    const session = await create(file, provider, options); // its error, if any, is the model's
    refuseLoadCopy(source);
    return { session, source: file };
  }
}

async function create(file: string, provider: Exclude<Device, 'auto'>, options: Pick<SessionOptions, 'threads' | 'spinning' | 'prepack'>): Promise<ort.InferenceSession> {
  // Provider failures are reported by us, once, in one line; ORT's process-wide log would print them again.
  ort.env.logLevel = 'fatal';
  return ort.InferenceSession.create(file, {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 4,
    // ORT's intra-op threads spin while waiting for work by default; next to worker threads preparing the next
    // batch that spinning takes the cores the workers need (BENCH_ONLY=clip runs the session both ways).
    extra: {
      session: {
        ...(options.spinning ? {} : { intra_op: { allow_spinning: '0' } }),
        ...(options.prepack === false ? { disable_prepacking: '1' } : {}),
      },
    },
    ...(options.threads === 0 ? {} : { intraOpNumThreads: options.threads ?? physicalCores() }),
  });
}

function tensorFor(
  input: { type: 'float32'; data: Float32Array } | { type: 'int32'; data: Int32Array },
  dims: number[],
  int64: boolean,
): ort.Tensor {
  if (input.type === 'int32' && int64) return new ort.Tensor('int64', BigInt64Array.from(input.data, (v) => BigInt(v)), dims);
  return new ort.Tensor(input.type, input.data, dims);
}

function outputOf(result: ort.InferenceSession.ReturnType, name: string): { data: Float32Array; dims: readonly number[] } {
  const out = result[name]!;
  if (out.type !== 'float32') throw new Error(`model output '${name}' is ${out.type}, expected float32`);
  return { data: out.data as Float32Array, dims: out.dims };
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  // ORT prefixes messages with a source location; the reason is at the end.
  const line = lines[lines.length - 1] ?? text;
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}

/** Providers this onnxruntime-node build knows, and whether they ship inside it. */
export function knownProviders(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}
