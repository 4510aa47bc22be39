/**
 * The one connection interface the catalog modules are written against. SQLite (better-sqlite3, synchronous and
 * in-process) and PostgreSQL (node-postgres behind a synchronous bridge) both implement it, so every catalog module
 * holds statements one way and runs on either backend.
 *
 * It is deliberately the subset of better-sqlite3's API the catalog uses: the SQLite side is better-sqlite3 itself,
 * tagged with its dialect, and pays nothing for the abstraction on its hot paths (scan, claim, commit).
 *
 * SQL rules for catalog modules (both backends):
 * - parameters are `@name` (object argument) or `?` (positional); the PostgreSQL side rewrites them to `$n`;
 * - new ids come from `INSERT ... RETURNING id` with `.get()`, never `lastInsertRowid`;
 * - `INSERT ... ON CONFLICT (...) DO NOTHING / DO UPDATE`, never `INSERT OR IGNORE/REPLACE`;
 * - anything else that differs (json_each lists, scalar max/min, pragmas) branches on `db.dialect`.
 */

export type Dialect = 'sqlite' | 'postgres';

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

// `any` rows keep the call sites' existing casts working; catalog modules narrow rows to their own interfaces.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Statement<Row = any> {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
  iterate(...params: unknown[]): IterableIterator<Row>;
  /** Rows become their first column's value. */
  pluck(toggle?: boolean): this;
  /** Rows become arrays of column values. */
  raw(toggle?: boolean): this;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => any;

/** A function wrapped in BEGIN ... COMMIT (ROLLBACK when it throws); nested calls become savepoints. */
export interface Transaction<F extends AnyFn> {
  (...args: Parameters<F>): ReturnType<F>;
  /** BEGIN IMMEDIATE on SQLite (takes the write lock first); a plain transaction on PostgreSQL. */
  immediate(...args: Parameters<F>): ReturnType<F>;
}

export interface Db {
  readonly dialect: Dialect;
  prepare(sql: string): Statement;
  exec(sql: string): unknown;
  transaction<F extends AnyFn>(fn: F): Transaction<F>;
  close(): unknown;
  /** PostgreSQL only: see `deferWrites` below. */
  deferWrites?<T>(fn: () => T): T;
  /** PostgreSQL only: NOTIFY and LISTEN between processes (notify.ts). */
  notify?(channel: string, payload?: string): void;
  onNotify?(channel: string, cb: (payload: string) => void): () => void;
  /**
   * PostgreSQL only: a query's rows as raw binary cells, in batches (COPY ... TO STDOUT (FORMAT binary), streamed:
   * memory holds a few batches, not the result). For bulk reads of bytea, which a statement receives hex-encoded.
   * It reads committed rows on a connection of its own, so inside a transaction (whose own writes it could not see)
   * it gives null: read with a statement there.
   */
  copyOut?(sql: string, values?: readonly unknown[]): Iterable<BinaryRows> | null;
}

/**
 * A batch of `copyOut` rows, column by column: cell (row r) of a column is `bytes[cells[2r] .. cells[2r] + cells[2r+1])`,
 * a length of -1 meaning NULL. Cells hold PostgreSQL's binary send format (int8: 8 bytes big-endian; bytea: the
 * bytes), one after another, each starting at a multiple of 8 (so equal-width cells of 8n bytes lie back to back).
 */
export interface BinaryRows {
  rows: number;
  columns: { bytes: Uint8Array; cells: Int32Array }[];
}

/**
 * Runs `fn`; on PostgreSQL the transactions it opens send their writes to the server together (at their next read,
 * when a `changes` is looked at, or at their end) instead of one round trip each: a failing write then throws at
 * that later point, still inside its transaction. On SQLite, where a statement costs no round trip, it just runs `fn`.
 */
export function deferWrites<T>(db: Db, fn: () => T): T {
  return db.deferWrites ? db.deferWrites(fn) : fn();
}
