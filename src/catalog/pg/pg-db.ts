/**
 * PgDb: the PostgreSQL side of the catalog's connection interface (src/catalog/sql.ts), synchronous like
 * better-sqlite3. Each statement is one round trip through the bridge thread (bridge.ts), which owns the
 * node-postgres connection; statements are prepared on the server once per connection. Under `deferWrites`, a
 * transaction's writes wait and travel together instead (write-behind.ts): the engine's batch commit.
 *
 * Differences a caller may meet (kept small on purpose):
 * - `run()` gives `changes` (rows affected); `lastInsertRowid` is always 0: use `INSERT ... RETURNING id` + `get()`.
 * - `iterate()` reads the whole result first, then yields it (no server-side cursor: the pipelined connection
 *   refuses portals). Bulk reads of many rows use `copyOut` instead (binary COPY, streamed on a second connection).
 * - after a failed statement inside a transaction, PostgreSQL refuses further statements until the transaction
 *   ends: a caller must not catch a failed statement and go on in the same transaction (SQLite would allow it).
 * - the connection is lost: every call throws CatalogUnavailableError until `reconnect()` succeeds.
 */
import { ExitCode, UserError } from '../../errors.js';
import type { BinaryRows, Db, Dialect, RunResult, Statement, Transaction } from '../sql.js';
import { Bridge } from './bridge.js';
import { takePgBridge } from './prewarm.js';
import { connectionFor } from './connect-config.js';
import { CatalogUnavailableError, PgStatementError, describeCause } from './errors.js';
import type { BridgeRequest, Notification, WireError, WireResult } from './protocol.js';
import { PgStatement } from './pg-statement.js';
import { inlineParams } from './params.js';
import { WriteBehind } from './write-behind.js';
import { redactPassword } from '../../paths.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => any;

/** About this much of a bulk read crosses from the bridge thread at a time. */
const COPY_BATCH_BYTES = 4 << 20;

export class PgDb implements Db {
  readonly dialect: Dialect = 'postgres';
  /** `host:port` of the server, for messages. */
  readonly where: string;
  /** The URL less its password, for messages. */
  readonly shownUrl: string;
  private readonly bridge: Bridge;
  private depth = 0;
  /** Open deferWrites scopes: inside them, a transaction's writes wait in `writes` (write-behind.ts). */
  private deferring = 0;
  private readonly writes: WriteBehind;
  /** Round trips through the bridge, and the statements they carried (for profiling: bench/pg-engine-child.ts). */
  readonly traffic = { roundTrips: 0, statements: 0 };
  private closed = false;
  private readonly subscribers = new Map<string, Set<(payload: string) => void>>();

  /** Connects at once: a server that cannot be reached is a UserError (exit 1) naming host:port and the cause. */
  constructor(readonly url: string) {
    this.where = connectionFor(url).where;
    this.shownUrl = redactPassword(url);
    // Prewarmed by the CLI (prewarm.ts): connecting, maybe connected already.
    const prewarmed = takePgBridge(url);
    this.bridge = prewarmed ?? new Bridge(url);
    const res = prewarmed ? prewarmed.answer({ op: 'connect' }) : this.bridge.call({ op: 'connect' });
    if (!res.ok) {
      this.bridge.terminate();
      throw new UserError(connectFailure(this.where, res.error), ExitCode.failure);
    }
    this.bridge.onNotification((n) => this.deliver(n));
    this.bridge.notifications.unref();
    this.writes = new WriteBehind(
      (req) => {
        if (this.closed) throw new TypeError('The database connection is not open');
        this.traffic.roundTrips++;
        this.traffic.statements += req.op === 'batch' ? req.statements.length : 1;
        return this.bridge.call(req);
      },
      (e) => this.toError(e),
    );
  }

  /**
   * Runs `fn`; the transactions it opens send their writes together, at their next read or at their end, instead of
   * one round trip each (write-behind.ts). SQLite has no such thing to do: see sql.ts's `deferWrites`.
   */
  deferWrites<T>(fn: () => T): T {
    this.deferring++;
    let result: T;
    try {
      result = fn();
    } finally {
      this.deferring--;
    }
    // Writes `fn` made inside a transaction opened before it (not by it) still wait: they go now, in order.
    if (this.deferring === 0) this.writes.flush();
    return result;
  }

  /** Whether a write now waits for the next round trip. */
  private get defers(): boolean {
    return this.deferring > 0 && this.depth > 0;
  }

  /** A write: sent now, or queued inside a deferring transaction. */
  write(text: string, values: unknown[]): RunResult {
    if (this.defers) return this.writes.write(text, values);
    return { changes: this.request({ op: 'query', text, values }).rowCount, lastInsertRowid: 0 };
  }

  /** A statement whose rows are needed now: it travels with the writes waiting before it. */
  read(text: string, values: unknown[]): WireResult {
    if (this.writes.pending > 0) return this.writes.read(text, values);
    return this.request({ op: 'query', text, values });
  }

  /** Sends one request; turns a failure into the error a caller expects. Used by PgStatement too. */
  request(req: BridgeRequest): { fields: string[]; rows: unknown[][]; rowCount: number } {
    if (this.closed) throw new TypeError('The database connection is not open');
    // Whatever waits was written first: it goes first.
    if (this.writes.pending > 0) this.writes.flush();
    this.traffic.roundTrips++;
    this.traffic.statements++;
    const res = this.bridge.call(req);
    if (!res.ok) throw this.toError(res.error);
    return { fields: res.fields ?? [], rows: res.rows ?? [], rowCount: res.rowCount ?? 0 };
  }

  private toError(e: WireError): Error {
    if (e.unavailable) {
      this.depth = 0;
      this.writes.drop();
      return new CatalogUnavailableError(`lost the PostgreSQL catalog at ${this.where}: ${describeCause(e.code, e.message)}`, e.code);
    }
    return new PgStatementError(e.message, e.code, e.detail);
  }

  prepare(sql: string): Statement {
    return new PgStatement(this, sql);
  }

  /** One or more statements, no parameters (migrations, BEGIN...). */
  exec(sql: string): this {
    if (this.defers) this.writes.write(sql);
    else this.request({ op: 'exec', text: sql });
    return this;
  }

  transaction<F extends AnyFn>(fn: F): Transaction<F> {
    const wrapped = ((...args: Parameters<F>) => this.inTransaction(fn, args)) as Transaction<F>;
    wrapped.immediate = wrapped;
    return wrapped;
  }

  /**
   * BEGIN ... COMMIT at the outside, SAVEPOINTs inside; rolled back (to the savepoint) when `fn` throws. Deferring,
   * the opening statement waits for the first read and the closing one sends what is left; a failure among those
   * writes rolls back like a throw from `fn`.
   */
  private inTransaction<F extends AnyFn>(fn: F, args: Parameters<F>): ReturnType<F> {
    const level = this.depth;
    const savepoint = `indexer_sp${level}`;
    const deferred = this.deferring > 0;
    // What waits belongs to the enclosing level: its failure must show there, not inside this one.
    if (deferred) this.writes.flush();
    const sentBefore = this.writes.sent;
    if (deferred) this.writes.write(level === 0 ? 'BEGIN' : `SAVEPOINT ${savepoint}`);
    else this.exec(level === 0 ? 'BEGIN' : `SAVEPOINT ${savepoint}`);
    this.depth = level + 1;
    let result: ReturnType<F>;
    try {
      result = fn(...args);
      if (result && typeof (result as { then?: unknown }).then === 'function') {
        throw new TypeError('Transaction function cannot return a promise');
      }
      if (deferred) {
        this.writes.write(level === 0 ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`);
        this.writes.flush();
      }
    } catch (err) {
      this.depth = level;
      this.writes.drop();
      // Deferring, nothing of this level may have reached the server yet: then there is nothing to roll back.
      const reached = !deferred || this.writes.sent !== sentBefore;
      if (reached && !(err instanceof CatalogUnavailableError)) {
        try {
          this.request({ op: 'exec', text: level === 0 ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}` });
        } catch {
          /* the first error says what went wrong; a failed rollback ends with the connection anyway */
        }
      }
      throw err;
    }
    this.depth = level;
    if (!deferred) this.exec(level === 0 ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`);
    return result;
  }

  get inTransactionNow(): boolean {
    return this.depth > 0;
  }

  /** Sends NOTIFY on `channel` (delivered when the current transaction commits, at once outside one). */
  notify(channel: string, payload = ''): void {
    this.request({ op: 'query', text: 'SELECT pg_notify($1, $2)', values: [channel, payload] });
  }

  /**
   * Calls `cb` (asynchronously, on this thread's event loop) for each NOTIFY on `channel`, and once with payload
   * 'reconnected' when the listening connection comes back after losing the server (work may have arrived meanwhile).
   * LISTEN is in effect when this returns. While anyone listens the process stays alive. Returns the unsubscribe.
   */
  onNotify(channel: string, cb: (payload: string) => void): () => void {
    let set = this.subscribers.get(channel);
    if (!set) {
      this.request({ op: 'listen', channel });
      set = new Set();
      this.subscribers.set(channel, set);
    }
    set.add(cb);
    this.bridge.notifications.ref();
    return () => {
      const s = this.subscribers.get(channel);
      if (!s?.delete(cb) || s.size > 0) return;
      this.subscribers.delete(channel);
      if (this.subscribers.size === 0) this.bridge.notifications.unref();
      if (!this.closed) this.request({ op: 'unlisten', channel });
    };
  }

  private deliver(n: Notification): void {
    const targets = n.channel === null ? [...this.subscribers.values()] : [this.subscribers.get(n.channel) ?? new Set()];
    for (const set of targets) for (const cb of [...set]) cb(n.payload);
  }

  /**
   * A query's rows as raw binary cells, batch by batch (sql.ts's `copyOut`); null inside a transaction. Each batch
   * is one round trip; the bridge reads the next while the caller decodes this one (copy-reads.ts).
   */
  copyOut(sql: string, values: readonly unknown[] = [], batchBytes = COPY_BATCH_BYTES): Iterable<BinaryRows> | null {
    if (this.depth > 0) return null;
    const query = inlineParams(sql, values);
    return { [Symbol.iterator]: () => this.copyBatches(query, batchBytes) };
  }

  private *copyBatches(query: string, batchBytes: number): Generator<BinaryRows> {
    let handedOut = false;
    try {
      for (let batch = this.copyRequest({ op: 'copyStart', query, batchBytes }); batch; batch = this.copyRequest({ op: 'copyNext' })) {
        handedOut = true;
        yield batch;
        handedOut = false;
      }
    } finally {
      // The caller left at a batch (a break, a throw in its loop): the bridge drops the rest of the data.
      // Best effort: a bridge already gone must not replace the error that ended the caller's loop.
      if (handedOut && !this.closed) {
        try {
          this.request({ op: 'copyEnd' });
        } catch {
          // the next request reports a lost connection as such
        }
      }
    }
  }

  private copyRequest(req: BridgeRequest): BinaryRows | null {
    if (this.closed) throw new TypeError('The database connection is not open');
    this.traffic.roundTrips++;
    this.traffic.statements++;
    const res = this.bridge.call(req);
    if (!res.ok) throw this.toError(res.error);
    return res.copied ?? null;
  }

  /** Drops the connection and opens a new one (the worker loop's backoff calls it); throws CatalogUnavailableError. */
  reconnect(): void {
    this.depth = 0;
    this.writes.drop();
    this.request({ op: 'reconnect' });
  }

  close(): this {
    if (this.closed) return this;
    try {
      this.bridge.call({ op: 'close' });
    } finally {
      this.closed = true;
      this.subscribers.clear();
      this.bridge.terminate();
    }
    return this;
  }

  get open(): boolean {
    return !this.closed;
  }
}

function connectFailure(where: string, e: WireError): string {
  const cause = describeCause(e.code, e.message);
  if (e.code === '28P01' || e.code === '28000') return `PostgreSQL at ${where} refused the login: ${cause}`;
  if (e.code === '3D000') return `PostgreSQL at ${where}: ${cause}; create it first (createdb NAME, or CREATE DATABASE)`;
  if (/does not support SSL/i.test(e.message)) {
    return `cannot reach PostgreSQL at ${where}: ${cause}; sslmode (the URL's or $PGSSLMODE) asks for TLS: turn ssl on in the server's postgresql.conf, or use sslmode=prefer`;
  }
  return `cannot reach PostgreSQL at ${where}: ${cause}`;
}
