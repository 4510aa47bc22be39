/**
 * The worker pool behind a small interface, so the runner can be driven by a fake pool in tests.
 * piscina is imported here and nowhere else.
 */
import { Piscina } from 'piscina';
import type { StageOutcome } from '../extract/stage.js';
import { describeError } from '../errors.js';
import { dispatchModule, type BatchRequest, type DispatchRequest } from '../workers/protocol.js';
import { Batcher } from './pool-batch.js';
import { shareVipsLock } from '../extract/vips-lock.js';

/** A worker's answer, or the fact that we aborted it (timeout, interrupt); its thread is then replaced. */
export type PoolResult = { outcome: StageOutcome } | { aborted: true } | { crashed: string };

/** How a task travels. */
export interface RunHooks {
  /** Small task: may share a message with others (see pool-batch.ts). */
  batch?: boolean;
  /**
   * Called when the task really starts on a thread, for pools that know (batched tasks); a pool that does not call
   * it leaves the caller to guess from dispatch order.
   */
  onStart?: () => void;
}

export interface TaskPool {
  readonly threads: number;
  /** Set when the pool batches small tasks (RunHooks.batch): how many of them per thread to keep in flight. */
  readonly batchDepthPerThread?: number;
  run(req: DispatchRequest, signal: AbortSignal, hooks?: RunHooks): Promise<PoolResult>;
  close(): Promise<void>;
}

/** In-flight batched tasks per thread the scheduler keeps: several batches' worth, so threads never wait for work. */
const batchedDepthPerThread = 64;

export function createWorkerPool(threads: number): TaskPool {
  if (!Number.isInteger(threads) || threads <= 0) throw new Error(`threads must be a positive integer, got ${threads}`);
  // Before the threads start: they find the lock in their environment data.
  shareVipsLock();
  const pool = new Piscina<DispatchRequest | BatchRequest, StageOutcome | number>({
    filename: dispatchModule,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
  });
  // Results that arrive while the pool is being destroyed (a run stopped with tasks in flight, e.g. its catalog's
  // disk full) belong to no task any more: piscina reports them as errors, which must not crash the process then.
  let closing = false;
  pool.on('error', (err: unknown) => {
    if (closing) return;
    queueMicrotask(() => {
      throw err;
    });
  });
  const batcher = new Batcher(threads, (batch, port, signal) => pool.run({ batch, port }, { signal, transferList: [port] }));
  return {
    threads,
    batchDepthPerThread: batchedDepthPerThread,
    async run(req, signal, hooks) {
      if (hooks?.batch) return batcher.run(req, signal, hooks.onStart);
      try {
        return { outcome: (await pool.run(req, { signal })) as StageOutcome };
      } catch (err) {
        if (signal.aborted) return { aborted: true };
        // The thread itself died (process.exit in a worker, out of memory): the task failed, the pool goes on.
        return { crashed: describeError(err) };
      }
    },
    async close() {
      closing = true;
      await pool.destroy();
    },
  };
}
