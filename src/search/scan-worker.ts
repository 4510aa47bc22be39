/**
 * Worker thread of the parallel scan (parallel-scan.ts): reads its slice of rows from the vector file and returns
 * its best candidates. Plain data in and out; failures come back as values, never as throws.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FileFilter } from '../catalog/embeddings.js';
import { allowFor, topKQuantized } from './quantized.js';
import { readLayout, readRows, type CacheKey } from './vector-cache.js';
import type { Hit } from './vectors.js';

export interface ScanJob {
  file: string;
  key: CacheKey;
  start: number;
  end: number;
  query: Float32Array;
  k: number;
  filter: FileFilter;
}

export type ScanReply = { ok: true; hits: Hit[] } | { ok: false; error: string };

function scan(job: ScanJob): ScanReply {
  try {
    const layout = readLayout(job.file, job.key);
    if (!layout) return { ok: false, error: 'vector file changed during the search' };
    const set = readRows(job.file, layout, job.start, job.end);
    return { ok: true, hits: topKQuantized(set, job.query, job.k, allowFor(job.filter)) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

parentPort?.postMessage(scan(workerData as ScanJob));
