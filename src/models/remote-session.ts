/**
 * A ModelSession that lives on its own worker thread (session-thread.ts). onnxruntime-node loads and runs models
 * synchronously on the calling thread, so on the scheduler's thread it would stall dispatching for the whole of
 * every batch: the preprocessing workers ran dry and each batch waited for the next one's inputs. Here the scheduler keeps feeding the workers while the model loads and runs.
 */
import { Worker } from 'node:worker_threads';
import type { SessionOptions } from './onnx.js';

export type SessionRequest =
  | { kind: 'open'; id: number; file: string; options: Omit<SessionOptions, 'warn'> }
  | { kind: 'run'; id: number; data: Float32Array; length: number; dims: number[] }
  | { kind: 'release'; id: number };

export type SessionReply =
  | { kind: 'opened'; id: number; provider: string }
  | { kind: 'result'; id: number; data: Float32Array; dims: number[]; provider: string; input: Float32Array }
  | { kind: 'released'; id: number }
  | { kind: 'error'; id: number; message: string }
  | { kind: 'warn'; message: string };

/** A request before request() numbers it. */
type Unnumbered = SessionRequest extends infer R ? (R extends SessionRequest ? Omit<R, 'id'> : never) : never;

type Waiter = { resolve(reply: SessionReply): void; reject(err: Error): void };

export class RemoteSession {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  /** Set once the thread has died: later requests fail at once instead of waiting for a reply that never comes. */
  private dead: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    /** The provider actually in use (updated when the thread falls back to the CPU mid-run). */
    public provider: string,
  ) {}

  static async open(file: string, options: SessionOptions): Promise<RemoteSession> {
    const worker = new Worker(new URL('./session-thread.js', import.meta.url));
    const remote = new RemoteSession(worker, '?');
    worker.on('message', (reply: SessionReply) => remote.receive(reply, options.warn));
    worker.on('error', (err) => remote.failAll(err));
    worker.on('exit', (code) => remote.failAll(new Error(`model thread exited (code ${code})`)));
    // Only plain values cross to the thread (callers may pass objects carrying functions).
    const plain = {
      device: options.device,
      threads: options.threads,
      spinning: options.spinning,
      verbose: options.verbose,
      loadCopies: options.loadCopies,
      prepack: options.prepack,
    };
    try {
      const opened = await remote.request({ kind: 'open', file, options: plain });
      remote.provider = (opened as { provider: string }).provider;
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    return remote;
  }

  /**
   * Runs the model on one batch; the input's buffer is transferred to the thread (unusable here afterwards) and comes
   * back as `input`. With `lendBuffer`, an input at the start of a longer buffer lends the whole buffer (the caller's
   * batch buffer, reused: see ClipModel); otherwise an input that is not its whole buffer is copied first.
   */
  async run(
    input: { type: 'float32'; data: Float32Array },
    dims: number[],
    options: { lendBuffer?: boolean } = {},
  ): Promise<{ data: Float32Array; dims: readonly number[]; input: Float32Array }> {
    const whole = input.data.byteOffset === 0 && input.data.byteLength === input.data.buffer.byteLength;
    const lend = options.lendBuffer && input.data.byteOffset === 0 && input.data.buffer instanceof ArrayBuffer;
    const data = whole ? input.data : lend ? new Float32Array(input.data.buffer as ArrayBuffer) : input.data.slice();
    const length = input.data.length;
    const reply = (await this.request({ kind: 'run', data, length, dims }, [data.buffer as ArrayBuffer])) as Extract<SessionReply, { kind: 'result' }>;
    this.provider = reply.provider;
    return { data: reply.data, dims: reply.dims, input: reply.input };
  }

  async release(): Promise<void> {
    try {
      await this.request({ kind: 'release' });
    } finally {
      await this.worker.terminate();
    }
  }

  private request(message: Unnumbered, transfer: ArrayBuffer[] = []): Promise<SessionReply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Only a pending request keeps the process alive: an idle model thread must not hold up exit.
      this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  private receive(reply: SessionReply, warn: (message: string) => void): void {
    if (reply.kind === 'warn') return warn(reply.message);
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (reply.kind === 'error') waiter.reject(new Error(reply.message));
    else waiter.resolve(reply);
  }

  private failAll(err: Error): void {
    this.dead ??= err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
