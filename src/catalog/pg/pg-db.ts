/**
 * PgDb: the PostgreSQL side of the catalog's connection interface (src/catalog/sql.ts), synchronous like
 * better-sqlite3. Each statement is one round trip through the bridge thread (bridge.ts), which owns the
 * node-postgres connection; statements are prepared on the server once per connection.
 *
 * Differences a caller may meet (kept small on purpose):
 * - `run()` gives `changes` (rows affected); `lastInsertRowid` is always 0: use `INSERT ... RETURNING id` + `get()`.
 * - `iterate()` reads the whole result first, then yields it (no server-side cursor).
 * - after a failed statement inside a transaction, PostgreSQL refuses further statements until the transaction
 *   ends: a caller must not catch a failed statement and go on in the same transaction (SQLite would allow it).
 * - the connection is lost: every call throws CatalogUnavailableError until `reconnect()` succeeds.
 */
import { ExitCode, UserError } from '../../errors.js';
import type { Db, Dialect, RunResult, Statement, Transaction } from '../sql.js';
import { Bridge } from './bridge.js';
import { connectionFor } from './connect-config.js';
import { CatalogUnavailableError, PgStatementError, describeCause } from './errors.js';
import { bindValues, rewriteParams, type RewrittenSql } from './params.js';
import type { BridgeRequest, Notification, WireError } from './protocol.js';
import { redactPassword } from '../../paths.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => any;
type Row = Record<string, unknown>;

export class PgDb implements Db {
  readonly dialect: Dialect = 'postgres';
  /** `host:port` of the server, for messages. */
  readonly where: string;
  /** The URL less its password, for messages. */
  readonly shownUrl: string;
  private readonly bridge: Bridge;
  private depth = 0;
  private closed = false;
  private readonly subscribers = new Map<string, Set<(payload: string) => void>>();

  /** Connects at once: a server that cannot be reached is a UserError (exit 1) naming host:port and the cause. */
  constructor(readonly url: string) {
    this.where = connectionFor(url).where;
    this.shownUrl = redactPassword(url);
    this.bridge = new Bridge(url);
    const res = this.bridge.call({ op: 'connect' });
    if (!res.ok) {
      this.bridge.terminate();
      throw new UserError(connectFailure(this.where, res.error), ExitCode.failure);
    }
    this.bridge.onNotification((n) => this.deliver(n));
    this.bridge.notifications.unref();
  }

  /** Sends one request; turns a failure into the error a caller expects. Used by PgStatement too. */
  request(req: BridgeRequest): { fields: string[]; rows: unknown[][]; rowCount: number } {
    if (this.closed) throw new TypeError('The database connection is not open');
    const res = this.bridge.call(req);
    if (!res.ok) throw this.toError(res.error);
    return { fields: res.fields ?? [], rows: res.rows ?? [], rowCount: res.rowCount ?? 0 };
  }

  private toError(e: WireError): Error {
    if (e.unavailable) {
      this.depth = 0;
      return new CatalogUnavailableError(`lost the PostgreSQL catalog at ${this.where}: ${describeCause(e.code, e.message)}`, e.code);
    }
    return new PgStatementError(e.message, e.code, e.detail);
  }

  prepare(sql: string): Statement {
    return new PgStatement(this, sql);
  }

  /** One or more statements, no parameters (migrations, BEGIN...). */
  exec(sql: string): this {
    this.request({ op: 'exec', text: sql });
    return this;
  }

  transaction<F extends AnyFn>(fn: F): Transaction<F> {
    const wrapped = ((...args: Parameters<F>) => this.inTransaction(fn, args)) as Transaction<F>;
    wrapped.immediate = wrapped;
    return wrapped;
  }

  /** BEGIN ... COMMIT at the outside, SAVEPOINTs inside; rolled back (to the savepoint) when `fn` throws. */
  private inTransaction<F extends AnyFn>(fn: F, args: Parameters<F>): ReturnType<F> {
    const level = this.depth;
    const savepoint = `indexer_sp${level}`;
    this.exec(level === 0 ? 'BEGIN' : `SAVEPOINT ${savepoint}`);
    this.depth = level + 1;
    let result: ReturnType<F>;
    try {
      result = fn(...args);
      if (result && typeof (result as { then?: unknown }).then === 'function') {
        throw new TypeError('Transaction function cannot return a promise');
      }
    } catch (err) {
      this.depth = level;
      if (!(err instanceof CatalogUnavailableError)) {
        try {
          this.exec(level === 0 ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`);
        } catch {
          /* the first error says what went wrong; a failed rollback ends with the connection anyway */
        }
      }
      throw err;
    }
    this.depth = level;
    this.exec(level === 0 ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`);
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

  /** Drops the connection and opens a new one (the worker loop's backoff calls it); throws CatalogUnavailableError. */
  reconnect(): void {
    this.depth = 0;
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
  return `cannot reach PostgreSQL at ${where}: ${cause}`;
}

class PgStatement implements Statement {
  private readonly sql: RewrittenSql;
  private pluckRows = false;
  private rawRows = false;

  constructor(
    private readonly db: PgDb,
    readonly source: string,
  ) {
    this.sql = rewriteParams(source);
  }

  private query(args: unknown[]) {
    return this.db.request({ op: 'query', text: this.sql.text, values: bindValues(this.sql, args) });
  }

  run(...args: unknown[]): RunResult {
    return { changes: this.query(args).rowCount, lastInsertRowid: 0 };
  }

  get(...args: unknown[]): Row | undefined {
    const { fields, rows } = this.query(args);
    return rows.length ? this.shape(fields, rows[0]!) : undefined;
  }

  all(...args: unknown[]): Row[] {
    const { fields, rows } = this.query(args);
    return rows.map((r) => this.shape(fields, r));
  }

  *iterate(...args: unknown[]): IterableIterator<Row> {
    const { fields, rows } = this.query(args);
    for (const r of rows) yield this.shape(fields, r);
  }

  pluck(toggle = true): this {
    this.pluckRows = toggle;
    if (toggle) this.rawRows = false;
    return this;
  }

  raw(toggle = true): this {
    this.rawRows = toggle;
    if (toggle) this.pluckRows = false;
    return this;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private shape(fields: string[], values: unknown[]): any {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // bytea crosses the thread boundary as a plain Uint8Array: hand callers the Buffer SQLite would give.
      if (v instanceof Uint8Array && !Buffer.isBuffer(v)) values[i] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
    if (this.pluckRows) return values[0];
    if (this.rawRows) return values;
    const row: Row = {};
    for (let i = 0; i < fields.length; i++) row[fields[i]!] = values[i];
    return row;
  }
}
