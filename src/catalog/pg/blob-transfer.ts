/**
 * How bytea values cross from the bridge thread to the caller's: packed into ONE transferred ArrayBuffer instead of
 * structured-cloned one Buffer at a time. Reading a model's embeddings (a search cache's first build) is tens of
 * thousands of rows with a 2 KB vector each; cloning them one by one measured about 2 s per 100,000 rows, packing
 * them about 0.8 s, and the caller gets Buffers viewing the shared block (no copy on its side).
 */
import type { BridgeResponse, PackedBlobs, WireResult } from './protocol.js';

/** Fields per packed cell in `cells`: result (-1 = the response itself), row, column, offset, length. */
const STRIDE = 5;

function resultsOf(res: BridgeResponse): (WireResult | { rows?: unknown[][] })[] {
  if (!res.ok) return [];
  return [res, ...(res.results ?? [])];
}

/** Moves every Buffer cell of the response into one block; returns what to transfer with it (nothing if none). */
export function packBlobs(res: BridgeResponse): ArrayBuffer[] {
  if (!res.ok) return [];
  const found: { r: number; row: unknown[]; col: number; rowIndex: number; buf: Buffer }[] = [];
  let total = 0;
  resultsOf(res).forEach((result, r) => {
    const rows = result.rows ?? [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      for (let c = 0; c < row.length; c++) {
        const v = row[c];
        if (v instanceof Uint8Array) {
          found.push({ r: r - 1, row, col: c, rowIndex: i, buf: v as Buffer });
          total += v.byteLength;
        }
      }
    }
  });
  if (found.length === 0) return [];
  const data = new ArrayBuffer(total);
  const bytes = new Uint8Array(data);
  const cells = new Float64Array(found.length * STRIDE);
  let at = 0;
  found.forEach((f, k) => {
    bytes.set(f.buf, at);
    cells.set([f.r, f.rowIndex, f.col, at, f.buf.byteLength], k * STRIDE);
    f.row[f.col] = null;
    at += f.buf.byteLength;
  });
  (res as { blobs?: PackedBlobs }).blobs = { data, cells };
  return [data, cells.buffer as ArrayBuffer];
}

/** Puts the packed cells back as Buffers viewing the transferred block. */
export function unpackBlobs(res: BridgeResponse): BridgeResponse {
  if (!res.ok || !res.blobs) return res;
  const { data, cells } = res.blobs;
  const results = res.results ?? [];
  for (let k = 0; k < cells.length; k += STRIDE) {
    const r = cells[k]!;
    const target = r < 0 ? res : results[r]!;
    target.rows![cells[k + 1]!]![cells[k + 2]!] = Buffer.from(data, cells[k + 3]!, cells[k + 4]!);
  }
  delete res.blobs;
  return res;
}
