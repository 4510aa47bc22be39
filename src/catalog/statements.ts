/**
 * The one way catalog modules hold statements: module-level SQL, prepared once per connection by `statement(db, sql)`.
 * Preparing parses and plans the SQL, which costs more than running the small insert it prepares: the per-task
 * writes of the stages (thousands a second) reuse theirs.
 */
import type { Db, Statement } from './sql.js';
import type { DialectSql } from './dialect.js';

/** Keyed by connection, so a closed catalog's statements go with it. */
const prepared = new WeakMap<Db, Map<string, Statement>>();

/** `sql` is one text for both backends, or one per dialect (dialect.ts's `bothDialects`). */
export function statement(db: Db, sql: string | DialectSql): Statement {
  const text = typeof sql === 'string' ? sql : sql[db.dialect];
  let byText = prepared.get(db);
  if (!byText) prepared.set(db, (byText = new Map()));
  let stmt = byText.get(text);
  if (!stmt) byText.set(text, (stmt = db.prepare(text)));
  return stmt;
}
