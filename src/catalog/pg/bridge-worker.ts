/**
 * The bridge thread: owns the node-postgres client of one PgDb (and a second one for LISTEN), answers each request
 * on the request port, then wakes the caller, which is blocked in Atomics.wait (see bridge.ts).
 */
import { workerData } from 'node:worker_threads';
import pg from 'pg';
import { connectionFor, mayFallBackToPlain, passwordFor } from './connect-config.js';
import { isConnectionLoss } from './errors.js';
import type { BridgeData, BridgeRequest, BridgeResponse, WireError } from './protocol.js';

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
/** Set by the client's 'error' event: the connection broke while idle. */
let broken: Error | null = null;
/** Statement text -> prepared statement name, per connection. */
let names = new Map<string, string>();
const listening = new Set<string>();
let listener: pg.Client | null = null;
let listenerRetry: NodeJS.Timeout | null = null;

async function newClient(): Promise<pg.Client> {
  const password = await passwordFor(config);
  const attempt = async (ssl: pg.ClientConfig['ssl']) => {
    const c = new pg.Client({ ...config, ssl, password, types });
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
  const c = await newClient();
  c.on('error', (err) => {
    if (client === c) broken = err;
  });
  client = c;
  broken = null;
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

async function query(text: string, values: unknown[]): Promise<BridgeResponse> {
  let name = names.get(text);
  if (name === undefined) {
    name = `s${names.size + 1}`;
    names.set(text, name);
  }
  const params = values.map((v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v));
  const res = await live().query({ name, text, values: params, rowMode: 'array' });
  return { ok: true, fields: res.fields.map((f) => f.name), rows: res.rows as unknown[][], rowCount: res.rowCount ?? 0 };
}

/** The LISTEN connection survives server restarts on its own: it reconnects with backoff and re-LISTENs. */
async function ensureListener(): Promise<void> {
  if (listener) return;
  const c = await newClient();
  c.on('notification', (n) => data.notifications.postMessage({ channel: n.channel, payload: n.payload ?? '' }));
  c.on('error', () => {
    if (listener !== c) return;
    listener = null;
    c.end().catch(() => undefined);
    scheduleListenerRetry(1000);
  });
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
    case 'reconnect':
      await dropClient();
      await connect();
      return { ok: true };
    case 'close':
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
  return { message, code, detail: e?.detail, unavailable: connecting || isConnectionLoss(code, message), connecting };
}

function answer(res: BridgeResponse): void {
  data.requests.postMessage(res);
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
