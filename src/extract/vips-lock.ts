/**
 * libvips keeps ONE error buffer per process, shared by every worker thread: a failing decode appends its message,
 * sharp reads the whole buffer as the error, and every sharp call (successful ones too) clears it when it ends. With
 * several threads decoding at once, a file's reason came out as another file's message, several files' messages run
 * together, or "Unknown error" when another thread cleared the buffer first; reasons changed from run to run.
 *
 * So every libvips call in a worker holds a shared lock (any number at once, as before), and a call that fails is
 * run again holding the lock alone: nothing else touches the buffer then, and the error it throws is this file's own,
 * the same on every run. Failures are rare, so the threads seldom wait for one another.
 *
 * The lock lives in shared memory handed to the worker threads through their environment data (shareVipsLock, called
 * by the pool before it starts them). A thread killed while it holds the lock (--task-timeout) cannot release it:
 * waits are bounded, and a holder that overstays is taken to be gone.
 */
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';

const KEY = 'indexer:vips-lock';
/** Slot 0: calls holding the shared lock. Slot 1: 1 while a call holds it alone (or waits to). */
const SHARED = 0;
const ALONE = 1;
/** Longer than any one libvips call should take; past it a holder is taken to be a killed thread. */
const MAX_WAIT_MS = 30_000;
/** Atomics.wait slices: a notify wakes waiters at once; the slice only bounds how often the deadline is checked. */
const SLICE_MS = 100;

let slots: Int32Array | null | undefined;

/** Main thread: creates the lock for the worker threads started after this call (the pool calls it). */
export function shareVipsLock(): void {
  if (!isMainThread || getEnvironmentData(KEY)) return;
  setEnvironmentData(KEY, new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

function lock(): Int32Array | null {
  if (slots === undefined) {
    const buffer = isMainThread ? undefined : getEnvironmentData(KEY);
    // The main thread (search --like, tests) decodes one image at a time and has no lock.
    slots = buffer instanceof SharedArrayBuffer ? new Int32Array(buffer) : null;
  }
  return slots;
}

/**
 * Runs one libvips operation (a whole pipeline from file to result) so that its error, if it fails, is its own:
 * shared with other threads first, and alone when that failed.
 */
export async function vipsCall<T>(op: () => Promise<T>): Promise<T> {
  const s = lock();
  if (!s) return op();
  enterShared(s);
  try {
    return await op();
  } catch {
    // Whatever this failure said may be mixed with other threads' messages: ask again, alone.
  } finally {
    leaveShared(s);
  }
  enterAlone(s);
  try {
    return await op();
  } finally {
    leaveAlone(s);
  }
}

function enterShared(s: Int32Array): void {
  const deadline = Date.now() + MAX_WAIT_MS;
  for (;;) {
    while (Atomics.load(s, ALONE) !== 0) {
      if (Date.now() > deadline) {
        // The lone holder is gone (its thread was killed): free the lock rather than wait forever.
        Atomics.store(s, ALONE, 0);
        break;
      }
      Atomics.wait(s, ALONE, 1, SLICE_MS);
    }
    Atomics.add(s, SHARED, 1);
    if (Atomics.load(s, ALONE) === 0) return;
    // Someone wants the lock alone and got there first: step back so it can drain.
    leaveShared(s);
  }
}

function leaveShared(s: Int32Array): void {
  for (;;) {
    const n = Atomics.load(s, SHARED);
    // Never below zero: a count reset after a killed holder may meet a late release.
    if (Atomics.compareExchange(s, SHARED, n, Math.max(n - 1, 0)) === n) break;
  }
  Atomics.notify(s, SHARED);
}

function enterAlone(s: Int32Array): void {
  const deadline = Date.now() + MAX_WAIT_MS;
  while (Atomics.compareExchange(s, ALONE, 0, 1) !== 0) {
    if (Date.now() > deadline) break; // see enterShared: the other lone holder is gone; take over
    Atomics.wait(s, ALONE, 1, SLICE_MS);
  }
  Atomics.store(s, ALONE, 1);
  for (let n = Atomics.load(s, SHARED); n > 0; n = Atomics.load(s, SHARED)) {
    if (Date.now() > deadline) {
      // Holders that never left were killed mid-call: their count would block every later failure.
      Atomics.store(s, SHARED, 0);
      break;
    }
    Atomics.wait(s, SHARED, n, SLICE_MS);
  }
}

function leaveAlone(s: Int32Array): void {
  Atomics.store(s, ALONE, 0);
  Atomics.notify(s, ALONE);
}
