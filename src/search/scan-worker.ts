/**
 * Worker thread of the parallel scan (parallel-scan.ts): reads its slice of rows from the vector file a chunk at a
 * time and returns its best candidates. Plain data in and out; failures come back as values, never as throws.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { FileFilter } from '../catalog/embeddings.js';
import { allowFor, topKQuantized } from './quantized.js';
import { openVectorFile, readRows, type CacheKey } from './vector-cache.js';
import type { Hit } from './vectors.js';

export interface ScanJob {
  file: string;
  key: CacheKey;
  start: number;
  end: number;
  query: Float32Array;
  k: number;
  filter: FileFilter;
  /** Rows of the file the slice was cut from: a file replaced since by one of another size is not read. */
  count: number;
  /** Rows read at once: a slice of a 10M-row file is 2.5 GB of codes, a chunk a few dozen MB. */
  chunkRows: number;
}

export type ScanReply = { ok: true; hits: Hit[] } | { ok: false; error: string };

function scan(job: ScanJob): ScanReply {
  try {
    // One descriptor for the whole slice: a file replaced meanwhile is not read with this one's layout.
    const open = openVectorFile(job.file, job.key);
    if (!open || open.layout.count !== job.count) {
      if (open) fs.closeSync(open.fd);
      return { ok: false, error: 'vector file changed during the search' };
    }
    try {
      const allow = allowFor(job.filter);
      let hits: Hit[] = [];
      for (let at = job.start; at < job.end; at += job.chunkRows) {
        const set = readRows(open.fd, open.layout, at, Math.min(job.end, at + job.chunkRows));
        hits = hits.concat(topKQuantized(set, job.query, job.k, allow));
        hits.sort((a, b) => b.score - a.score || a.fileId - b.fileId);
        hits.length = Math.min(hits.length, job.k);
      }
      return { ok: true, hits };
    } finally {
      fs.closeSync(open.fd);
    }
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

parentPort?.postMessage(scan(workerData as ScanJob));
