/** Messages between PgDb (caller's thread) and its bridge thread, which owns the node-postgres connections. */
import type { BinaryRows } from '../sql.js';

export type BridgeRequest =
  | { op: 'connect' }
  | { op: 'query'; text: string; values: unknown[] }
  | { op: 'exec'; text: string }
  /** Several statements in one round trip, run in order (write-behind.ts); `values` absent: a plain `exec`. */
  | { op: 'batch'; statements: BatchedStatement[] }
  | { op: 'listen'; channel: string }
  | { op: 'unlisten'; channel: string }
  /** Bulk reads (copy-reads.ts): start a COPY of `query` (values inlined), take its next batch, or drop it. */
  | { op: 'copyStart'; query: string; batchBytes: number }
  | { op: 'copyNext' }
  | { op: 'copyEnd' }
  | { op: 'reconnect' }
  | { op: 'close' };

export interface BatchedStatement {
  text: string;
  values?: unknown[];
}

/** One statement's answer. */
export interface WireResult {
  fields: string[];
  rows: unknown[][];
  rowCount: number;
}

export interface WireError {
  message: string;
  /** SQLSTATE or socket errno. */
  code?: string;
  detail?: string;
  /** The connection is gone (PgDb throws CatalogUnavailableError). */
  unavailable: boolean;
  /** Connecting failed: the server could not be reached or refused us. */
  connecting?: boolean;
  /** In a batch: the position of the statement that failed (those after it did not take effect). */
  index?: number;
}

/** bytea cells moved into one transferred block (blob-transfer.ts); their cells in `rows` hold null meanwhile. */
export interface PackedBlobs {
  data: ArrayBuffer;
  cells: Float64Array;
}

export type BridgeResponse =
  | {
      ok: true;
      fields?: string[];
      rows?: unknown[][];
      rowCount?: number;
      results?: WireResult[];
      blobs?: PackedBlobs;
      /** copyStart / copyNext: the next batch of a bulk read, null at its end (its buffers are transferred). */
      copied?: BinaryRows | null;
    }
  | { ok: false; error: WireError };

/** What the bridge thread posts on the notification port. `channel` null: the LISTEN connection came back. */
export interface Notification {
  channel: string | null;
  payload: string;
}

export interface BridgeData {
  url: string;
  /** Int32Array over it: the bridge stores 1 and notifies when a response is posted. */
  signal: SharedArrayBuffer;
  requests: import('node:worker_threads').MessagePort;
  notifications: import('node:worker_threads').MessagePort;
}
