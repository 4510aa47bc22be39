/**
 * Worker thread of the parallel scan (parallel-scan.ts): reads its slice of rows from the vector file and returns
 * its best candidates. Plain data in and out; failures come back as values, never as throws.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { topKQuantized } from './quantized.js';
import { readLayout, readRows, type CacheKey } from './vector-cache.js';
import type { Hit } from './vectors.js';

export interface ScanJob {
  file: string;
  key: CacheKey;
  start: number;
  end: number;
  query: Float32Array;
  k: number;
  /** 'exclude': these ids may not be returned; 'include': only these may. Sorted. */
  filter: { mode: 'exclude' | 'include'; ids: Int32Array };
}

export type ScanReply = { ok: true; hits: Hit[] } | { ok: false; error: string };

function scan(job: ScanJob): ScanReply {
  try {
    const layout = readLayout(job.file, job.key);
    if (!layout) return { ok: false, error: 'vector file changed during the search' };
    const set = readRows(job.file, layout, job.start, job.end);
    const ids = new Set(job.filter.ids);
    const allow = job.filter.mode === 'exclude' ? (id: number) => !ids.has(id) : (id: number) => ids.has(id);
    return { ok: true, hits: topKQuantized(set, job.query, job.k, job.filter.ids.length || job.filter.mode === 'include' ? allow : undefined) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

parentPort?.postMessage(scan(workerData as ScanJob));
