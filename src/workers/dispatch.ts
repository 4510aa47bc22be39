/**
 * The piscina worker entry point: loads a stage's worker module (once per thread) and runs one task, or a batch of
 * small tasks reported one by one on a port. Never throws across the thread boundary: every failure comes back as a
 * StageOutcome.
 */
import type { StageOutcome, TaskInput } from '../extract/stage.js';
import { describeError } from '../errors.js';
import { METADATA_FIRST_READ, SharedReads } from '../extract/image-shared-reads.js';
import { failureFrom } from '../extract/image-outcome.js';
import type { BatchMessage, BatchRequest, DispatchRequest } from './protocol.js';
import { checkAfter, checkBefore } from './source-check.js';
import { capturing, installOutputCapture, withLibraryOutput } from './output-capture.js';

// Nothing a library prints in this thread reaches the CLI's stdout; it is kept for the task's reason instead.
installOutputCapture();

type RunFn = (input: TaskInput, shared?: SharedReads) => Promise<StageOutcome>;

/** Per-thread cache of loaded stage modules (each worker thread has its own module instance). */
const loaded = new Map<string, Promise<RunFn>>();

async function load(workerModule: string): Promise<RunFn> {
  let p = loaded.get(workerModule);
  if (!p) {
    p = import(workerModule).then((m: { run?: unknown }) => {
      if (typeof m.run !== 'function') throw new Error(`${workerModule} does not export run(input)`);
      return m.run as RunFn;
    });
    loaded.set(workerModule, p);
  }
  return p;
}

export default async function dispatch(req: DispatchRequest | BatchRequest): Promise<StageOutcome | number> {
  if ('batch' in req) return runBatch(req);
  return runOne(req, undefined);
}

/** Runs the batch's tasks in order, announcing each start (the main thread times tasks from it) and each outcome. */
async function runBatch(req: BatchRequest): Promise<number> {
  const shared = new SharedReads(METADATA_FIRST_READ);
  const post = (m: BatchMessage) => req.port.postMessage(m);
  try {
    for (let i = 0; i < req.batch.length; i++) {
      if (i === 0) post({ started: 0 });
      const outcome = await runOne(req.batch[i]!, shared);
      post({ index: i, outcome });
      // The next item's start is implied by this outcome: one message per task.
    }
  } finally {
    req.port.close();
  }
  return req.batch.length;
}

async function runOne(req: DispatchRequest, shared: SharedReads | undefined): Promise<StageOutcome> {
  let run: RunFn;
  try {
    run = await load(req.workerModule);
  } catch (err) {
    loaded.delete(req.workerModule);
    // Not the file's fault: the stage cannot work at all, so the circuit breaker pauses it.
    return { status: 'failed', reason: `stage ${req.input.stage} cannot load its worker: ${describeError(err)}`, stageFault: true };
  }
  const { value: outcome, said } = await capturing(() => runCaught(run, req, shared));
  return outcome.status === 'failed' && said.length ? { ...outcome, reason: withLibraryOutput(outcome.reason, said) } : outcome;
}

async function runCaught(run: RunFn, req: DispatchRequest, shared: SharedReads | undefined): Promise<StageOutcome> {
  try {
    const stale = await checkBefore(req.input);
    if (stale) return stale;
    const outcome = await run(req.input, shared);
    if (!outcome || typeof outcome !== 'object' || !('status' in outcome)) {
      return { status: 'failed', reason: `stage ${req.input.stage} returned no outcome for ${req.input.path}` };
    }
    return checkAfter(req.input, outcome);
  } catch (err) {
    return failureFrom(`${req.input.path}: ${describeError(err)}`, err);
  }
}
