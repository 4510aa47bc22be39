/**
 * The worker pool behind a small interface, so the runner can be driven by a fake pool in tests.
 * piscina is imported here and nowhere else.
 */
import { Piscina } from 'piscina';
import type { StageOutcome } from '../extract/stage.js';
import { dispatchModule, type DispatchRequest } from '../workers/protocol.js';

/** A worker's answer, or the fact that we aborted it (timeout, interrupt); its thread is then replaced. */
export type PoolResult = { outcome: StageOutcome } | { aborted: true } | { crashed: string };

export interface TaskPool {
  readonly threads: number;
  run(req: DispatchRequest, signal: AbortSignal): Promise<PoolResult>;
  close(): Promise<void>;
}

export function createWorkerPool(threads: number): TaskPool {
  if (!Number.isInteger(threads) || threads <= 0) throw new Error(`threads must be a positive integer, got ${threads}`);
  const pool = new Piscina<DispatchRequest, StageOutcome>({
    filename: dispatchModule,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
  });
  return {
    threads,
    async run(req, signal) {
      try {
        return { outcome: await pool.run(req, { signal }) };
      } catch (err) {
        if (signal.aborted) return { aborted: true };
        // The thread itself died (process.exit in a worker, out of memory): the task failed, the pool goes on.
        return { crashed: (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim() };
      }
    },
    async close() {
      await pool.destroy();
    },
  };
}
