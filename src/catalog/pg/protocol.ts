/** Messages between PgDb (caller's thread) and its bridge thread, which owns the node-postgres connections. */

export type BridgeRequest =
  | { op: 'connect' }
  | { op: 'query'; text: string; values: unknown[] }
  | { op: 'exec'; text: string }
  | { op: 'listen'; channel: string }
  | { op: 'unlisten'; channel: string }
  | { op: 'reconnect' }
  | { op: 'close' };

export interface WireError {
  message: string;
  /** SQLSTATE or socket errno. */
  code?: string;
  detail?: string;
  /** The connection is gone (PgDb throws CatalogUnavailableError). */
  unavailable: boolean;
  /** Connecting failed: the server could not be reached or refused us. */
  connecting?: boolean;
}

export type BridgeResponse =
  | { ok: true; fields?: string[]; rows?: unknown[][]; rowCount?: number }
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
