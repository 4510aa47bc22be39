/**
 * nearPairs over worker threads for large sets: each thread compares the buckets of its share of the 16-bit keys
 * (every thread sees all hashes, in shared memory), so a million hashes take about 1/threads of the time. Small
 * sets stay on this thread: starting a worker costs more than comparing a few thousand hashes.
 */
import { Worker } from 'node:worker_threads';
import type { HashArray } from './hashes.js';
import { nearPairs, type KeyRange, type Pairs } from './near-pairs.js';

/** Below this many hashes the work is done on the calling thread. */
const THREADED_FROM = 50_000;

export interface WorkerRequest {
  hi: SharedArrayBuffer;
  lo: SharedArrayBuffer;
  threshold: number;
  range: KeyRange;
}

export interface WorkerReply {
  a: Int32Array;
  b: Int32Array;
  d: Uint8Array;
}

export async function nearPairsThreaded(h: HashArray, threshold: number, threads: number): Promise<Pairs> {
  const n = h.hi.length;
  if (threads <= 1 || n < THREADED_FROM) return nearPairs(h, threshold);
  const hi = new SharedArrayBuffer(n * 4);
  const lo = new SharedArrayBuffer(n * 4);
  new Uint32Array(hi).set(h.hi);
  new Uint32Array(lo).set(h.lo);
  // Interleaved key ranges would balance better, but buckets hold about the same number of hashes each for real
  // hashes too (the keys are 16 bits of a median-thresholded hash), so equal contiguous ranges are even enough.
  const step = Math.ceil(65536 / threads);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, t) => runWorker({ hi, lo, threshold, range: { from: t * step, to: Math.min(65536, (t + 1) * step) } })),
  );
  const out: Pairs = { a: [], b: [], d: [] };
  for (const p of parts) {
    for (let k = 0; k < p.a.length; k++) {
      out.a.push(p.a[k]!);
      out.b.push(p.b[k]!);
      out.d.push(p.d[k]!);
    }
  }
  return out;
}

function runWorker(request: WorkerRequest): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./near-pairs-worker.js', import.meta.url), { workerData: request });
    worker.once('message', (reply: WorkerReply) => resolve(reply));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`near-duplicate worker exited with code ${code}`));
    });
  });
}
