/**
 * The bridge thread: owns the node-postgres client of one PgDb (and a second one for LISTEN), answers each request
 * on the request port, then wakes the caller, which is blocked in Atomics.wait (see bridge.ts).
 */
import './declare-node.js';
import { workerData } from 'node:worker_threads';
import pg from 'pg';
import { connectionFor, mayFallBackToPlain, passwordFor } from './connect-config.js';
import { isConnectionLoss } from './errors.js';
import { packBlobs } from './blob-transfer.js';
import { CopyReads } from './copy-reads.js';
import type { BatchedStatement, BridgeData, BridgeRequest, BridgeResponse, WireError, WireResult } from './protocol.js';

const data = workerData as BridgeData;
const signal = new Int32Array(data.signal);
const { config, sslmode } = connectionFor(data.url);

// int8 (count(*), bigint ids) and numeric (sum, avg) become numbers, as SQLite gives them; bytea stays a Buffer.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8) return (v: string) => Number(v);
    if (oid === NUMERIC) return (v: string) => Number(v);
    return (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

let client: pg.Client | null = null;
/** The first error each client raised, whoever listened then (see newClient). */
const earlyErrors = new WeakMap<pg.Client, Error>();
/** Set by the client's 'error' event: the connection broke while idle. */
let broken: Error | null = null;
/** Statement text -> prepared statement name, per connection. */
let names = new Map<string, string>();
const listening = new Set<string>();
let listener: pg.Client | null = null;
let listenerRetry: NodeJS.Timeout | null = null;
/** Bulk reads, on a connection of their own (opened at the first). */
const copies = new CopyReads(() => newClient(false));

/**
 * PIPELINED: the client writes each statement as soon as it is handed one, without waiting for the answer to the one
 * before (node-postgres's pipeline mode, each statement with its own Sync): a batch then costs one round trip to the
 * server too, not one per statement. The LISTEN connection does not need it.
 */
async function newClient(pipelined: boolean): Promise<pg.Client> {
  const password = await passwordFor(config);
  const attempt = async (ssl: pg.ClientConfig['ssl']) => {
    const c = new pg.Client({ ...config, ssl, password, types, pipeline: pipelined } as pg.ClientConfig);
    // On from the start: the server's FATAL may come in the same packet as ReadyForQuery (a 1 ms idle_session_timeout,
    // a shutdown), emitted before connect()'s caller could listen; an 'error' nobody listens to would end this thread.
    c.on('error', (err) => {
      if (!earlyErrors.has(c)) earlyErrors.set(c, err);
    });
    try {
      await c.connect();
    } catch (err) {
      c.end().catch(() => undefined);
      throw err;
    }
    return c;
  };
  try {
    return await attempt(config.ssl);
  } catch (err) {
    if (config.ssl && mayFallBackToPlain(sslmode) && /does not support SSL/i.test((err as Error).message)) return attempt(false);
    throw err;
  }
}

async function connect(): Promise<void> {
  const c = await newClient(true);
  c.on('error', (err) => {
    if (client === c) broken = err;
  });
  client = c;
  broken = earlyErrors.get(c) ?? null;
  names = new Map();
}

async function dropClient(): Promise<void> {
  const c = client;
  client = null;
  if (c) await c.end().catch(() => undefined);
}

function live(): pg.Client {
  if (!client) throw Object.assign(new Error('Connection terminated: not connected'), { code: '08003' });
  if (broken) throw broken;
  return client;
}

/** Starts one prepared statement (queued on the client, which sends it when the previous one is answered). */
function send(text: string, values: unknown[]): Promise<WireResult> {
  let name = names.get(text);
  if (name === undefined) {
    name = `s${names.size + 1}`;
    names.set(text, name);
  }
  const params = values.map((v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v));
  return live()
    .query({ name, text, values: params, rowMode: 'array' })
    .then((res) => ({ fields: res.fields.map((f) => f.name), rows: res.rows as unknown[][], rowCount: res.rowCount ?? 0 }));
}

async function query(text: string, values: unknown[]): Promise<BridgeResponse> {
  return { ok: true, ...(await send(text, values)) };
}

/**
 * Every statement of a batch is handed to the client at once, so the caller's thread pays one round trip for all of
 * them. They run in order; the first failure is answered with its position. Batches are sent inside a transaction
 * (write-behind.ts), where a failure makes the server refuse the statements after it, so nothing after it lands.
 */
async function batch(statements: BatchedStatement[]): Promise<BridgeResponse> {
  const c = live();
  // The pipelined client writes each statement's messages to the socket at once, three writes apiece: corked, the
  // whole batch leaves in one write.
  const socket = (c as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  socket?.cork?.();
  let pending: Promise<WireResult>[];
  try {
    pending = statements.map((s) =>
      s.values === undefined ? c.query(s.text).then((): WireResult => ({ fields: [], rows: [], rowCount: 0 })) : send(s.text, s.values),
    );
  } finally {
    socket?.uncork?.();
  }
  const settled = await Promise.allSettled(pending);
  const results: WireResult[] = [];
  for (let index = 0; index < settled.length; index++) {
    const s = settled[index]!;
    if (s.status === 'rejected') throw Object.assign(s.reason as Error, { batchIndex: index });
    results.push(s.value);
  }
  return { ok: true, results };
}

/** The LISTEN connection survives server restarts on its own: it reconnects with backoff and re-LISTENs. */
async function ensureListener(): Promise<void> {
  if (listener) return;
  const c = await newClient(false);
  c.on('notification', (n) => data.notifications.postMessage({ channel: n.channel, payload: n.payload ?? '' }));
  c.on('error', () => {
    if (listener !== c) return;
    listener = null;
    c.end().catch(() => undefined);
    scheduleListenerRetry(1000);
  });
  const early = earlyErrors.get(c);
  if (early) {
    c.end().catch(() => undefined);
    throw early;
  }
  for (const ch of listening) await c.query(`LISTEN ${quoteIdent(ch)}`);
  listener = c;
}

function scheduleListenerRetry(delayMs: number): void {
  if (listenerRetry || listening.size === 0) return;
  listenerRetry = setTimeout(() => {
    listenerRetry = null;
    ensureListener().then(
      // Work may have arrived while it was down: wake the subscribers so they look.
      () => data.notifications.postMessage({ channel: null, payload: 'reconnected' }),
      () => scheduleListenerRetry(Math.min(delayMs * 2, 30_000)),
    );
  }, delayMs);
  listenerRetry.unref();
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function handle(req: BridgeRequest): Promise<BridgeResponse> {
  switch (req.op) {
    case 'connect':
      await connect();
      return { ok: true };
    case 'query':
      return query(req.text, req.values);
    case 'exec':
      await live().query(req.text);
      return { ok: true };
    case 'batch':
      return batch(req.statements);
    case 'listen':
      listening.add(req.channel);
      if (listener) await listener.query(`LISTEN ${quoteIdent(req.channel)}`);
      else await ensureListener();
      return { ok: true };
    case 'unlisten':
      listening.delete(req.channel);
      if (listener) await listener.query(`UNLISTEN ${quoteIdent(req.channel)}`);
      if (listening.size === 0 && listener) {
        const l = listener;
        listener = null;
        await l.end().catch(() => undefined);
      }
      return { ok: true };
    case 'copyStart':
      return { ok: true, copied: (await copies.start(req.query, req.batchBytes)).batch };
    case 'copyNext':
      return { ok: true, copied: (await copies.next()).batch };
    case 'copyEnd':
      await copies.abandon();
      return { ok: true };
    case 'reconnect':
      await copies.close();
      await dropClient();
      await connect();
      return { ok: true };
    case 'close':
      await copies.close();
      await dropClient();
      listening.clear();
      if (listenerRetry) clearTimeout(listenerRetry);
      if (listener) await listener.end().catch(() => undefined);
      listener = null;
      return { ok: true };
  }
}

function wire(err: unknown, connecting: boolean): WireError {
  const e = (err instanceof AggregateError && err.errors.length ? err.errors[0] : err) as { message?: string; code?: string; detail?: string };
  const message = String(e?.message ?? err);
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const index = (e as { batchIndex?: number })?.batchIndex;
  return { message, code, detail: e?.detail, unavailable: connecting || isConnectionLoss(code, message), connecting, index };
}

function answer(res: BridgeResponse): void {
  const copied = res.ok ? res.copied : null;
  const transfers = copied ? copied.columns.flatMap((c) => [c.bytes.buffer as ArrayBuffer, c.cells.buffer as ArrayBuffer]) : packBlobs(res);
  data.requests.postMessage(res, transfers);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

// Proof of life for the blocked caller (bridge.ts); the request port's listener is what keeps this thread running.
setInterval(() => Atomics.add(signal, 1, 1), 250).unref();

data.requests.on('message', (req: BridgeRequest) => {
  handle(req).then(answer, (err) => {
    const error = wire(err, req.op === 'connect' || req.op === 'reconnect');
    // A statement that died with its connection leaves the client unusable: later requests fail at once.
    if (error.unavailable && client && !broken) broken = err as Error;
    answer({ ok: false, error });
  });
});
