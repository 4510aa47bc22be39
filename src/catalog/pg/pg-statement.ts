/** A statement of PgDb (pg-db.ts): better-sqlite3's Statement API over the bridge. */
import type { RunResult, Statement } from '../sql.js';
import { bindValues, rewriteParams, type RewrittenSql } from './params.js';
import type { PgDb } from './pg-db.js';
import type { WireResult } from './protocol.js';

type Row = Record<string, unknown>;

export class PgStatement implements Statement {
  private readonly sql: RewrittenSql;
  private pluckRows = false;
  private rawRows = false;

  constructor(
    private readonly db: PgDb,
    readonly source: string,
  ) {
    this.sql = rewriteParams(source);
  }

  private query(args: unknown[]): WireResult {
    return this.db.read(this.sql.text, bindValues(this.sql, args));
  }

  run(...args: unknown[]): RunResult {
    return this.db.write(this.sql.text, bindValues(this.sql, args));
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
  // bytea cells are already Buffers, as SQLite gives them: the bridge hands them over as views of one block
  // (blob-transfer.ts).
  private shape(fields: string[], values: unknown[]): any {
    if (this.pluckRows) return values[0];
    if (this.rawRows) return values;
    const row: Row = {};
    for (let i = 0; i < fields.length; i++) row[fields[i]!] = values[i];
    return row;
  }
}
