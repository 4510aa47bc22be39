/**
 * The piscina worker entry point: loads a stage's worker module (once per thread) and runs one task.
 * Never throws across the thread boundary: every failure comes back as a StageOutcome.
 */
import type { StageOutcome, TaskInput } from '../extract/stage.js';
import type { DispatchRequest } from './protocol.js';

type RunFn = (input: TaskInput) => Promise<StageOutcome>;

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

export default async function dispatch(req: DispatchRequest): Promise<StageOutcome> {
  let run: RunFn;
  try {
    run = await load(req.workerModule);
  } catch (err) {
    loaded.delete(req.workerModule);
    // Not the file's fault: the stage cannot work at all, so the circuit breaker pauses it.
    return { status: 'failed', reason: `stage ${req.input.stage} cannot load its worker: ${oneLine(err)}`, stageFault: true };
  }
  try {
    const outcome = await run(req.input);
    if (!outcome || typeof outcome !== 'object' || !('status' in outcome)) {
      return { status: 'failed', reason: `stage ${req.input.stage} returned no outcome for ${req.input.path}` };
    }
    return outcome;
  } catch (err) {
    return { status: 'failed', reason: `${req.input.path}: ${oneLine(err)}` };
  }
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim();
}
