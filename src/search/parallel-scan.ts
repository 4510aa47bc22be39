/**
 * Large vector files are scanned by several worker threads, each reading and scanning its own slice, so reading
 * and arithmetic both use every core. Small files are not worth the threads' start-up (~tens of ms).
 */
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FileFilter } from '../catalog/embeddings.js';
import { allowFor, topKQuantized } from './quantized.js';
import type { ScanJob, ScanReply } from './scan-worker.js';
import { openVectorFile, readRows, type CacheKey } from './vector-cache.js';
import type { Hit } from './vectors.js';

/** Below this many rows one thread is faster than starting more threads and handing them slices. */
export const parallelThreshold = 300_000;
/** Rows a worker reads at once (~64 MB of 512-d codes): its memory, whatever the size of the file. */
const chunkRows = 131_072;

/**
 * Best k candidates from a valid vector file; `filter` says which file ids may be returned. Null when the file is
 * not valid for key (the caller rebuilds it).
 */
export async function scanFile(
  file: string,
  key: CacheKey,
  query: Float32Array,
  k: number,
  filter: FileFilter,
  threads = Math.min(os.availableParallelism(), 8),
  chunk = chunkRows,
): Promise<Hit[] | null> {
  const open = openVectorFile(file, key);
  if (!open) return null;
  const { layout } = open;
  try {
    if (layout.count < parallelThreshold) return topKQuantized(readRows(open.fd, layout, 0, layout.count), query, k, allowFor(filter));
  } finally {
    fs.closeSync(open.fd);
  }
  const per = Math.ceil(layout.count / threads);
  const jobs: ScanJob[] = [];
  for (let start = 0; start < layout.count; start += per) {
    jobs.push({ file, key, count: layout.count, start, end: Math.min(layout.count, start + per), query, k, filter, chunkRows: chunk });
  }
  const replies = await Promise.all(jobs.map(runJob));
  const failed = replies.find((r): r is { ok: false; error: string } => !r.ok);
  if (failed) return null;
  return replies
    .flatMap((r) => (r.ok ? r.hits : []))
    .sort((a, b) => b.score - a.score || a.fileId - b.fileId)
    .slice(0, k);
}

function runJob(job: ScanJob): Promise<ScanReply> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./scan-worker.js', import.meta.url), { workerData: job });
    worker.once('message', (reply: ScanReply) => resolve(reply));
    worker.once('error', (err) => resolve({ ok: false, error: err.message }));
    worker.once('exit', (code) => resolve({ ok: false, error: `scan worker exited with code ${code}` }));
  });
}
