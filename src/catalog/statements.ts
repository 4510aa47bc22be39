/**
 * Statements prepared once per connection. Preparing parses and plans the SQL, which costs more than running the
 * small insert it prepares: the per-task writes of the stages (thousands a second) reuse theirs.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './open.js';

/** Keyed by connection, so a closed catalog's statements go with it. */
const prepared = new WeakMap<Db, Map<string, Statement>>();

export function statement(db: Db, sql: string): Statement {
  let byText = prepared.get(db);
  if (!byText) prepared.set(db, (byText = new Map()));
  let stmt = byText.get(sql);
  if (!stmt) byText.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}
