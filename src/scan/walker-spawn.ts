/**
 * Starting the walker thread (walk-thread.ts): a fresh V8 isolate plus its modules take about as long as the
 * CLI takes to load and open the catalog. `indexer scan` calls prewarmWalkerThread() as its first act (see
 * src/cli/main.ts), so the two overlap and the first walk starts at once; the walk takes the thread with
 * takeWalkerThread(). Without a prewarm (tests, later roots) a thread is started on demand.
 *
 * The one spare is module state on purpose: it is created before anything else exists to hold it.
 */
import { Worker } from 'node:worker_threads';

interface Spare {
  worker: Worker;
  /** Set when the thread failed or died before a walk took it (it is then replaced, never handed out). */
  exited: boolean;
}

let spare: Spare | null = null;

function spawn(): Worker {
  return new Worker(new URL('./walk-thread.js', import.meta.url));
}

/** Starts a walker thread ahead of need. It never keeps the process alive (a usage error still exits at once). */
export function prewarmWalkerThread(): void {
  if (spare !== null) return;
  const s: Spare = { worker: spawn(), exited: false };
  s.worker.unref();
  s.worker.once('exit', () => (s.exited = true));
  // A failed boot must not crash the process here: the walk then starts a thread of its own, which reports it.
  s.worker.on('error', () => (s.exited = true));
  spare = s;
}

/** A walker thread waiting for its WalkStart message: the prewarmed one if it is alive, else a new one. */
export function takeWalkerThread(): Worker {
  const s = spare;
  spare = null;
  if (s === null || s.exited) return spawn();
  s.worker.removeAllListeners('error');
  s.worker.ref();
  return s.worker;
}
