/**
 * What a catalog's schema holds, read from the database itself (SQLite's schema table and pragmas, PostgreSQL's
 * system catalogs) rather than from a list in the code: `indexer migrate` copies every table it finds, so a table a
 * new migration adds is copied without anyone remembering to name it here.
 */
import type { Db } from './sql.js';

/** One catalog table as a copy needs it. */
export interface TableInfo {
  /** Table name (unquoted). */
  name: string;
  /** Every column, in declaration order. */
  columns: string[];
  /** Primary-key columns in key order; empty when the table has none. */
  key: string[];
  /** Columns whose values a sequence hands out (PostgreSQL identity columns; none on SQLite). */
  identity: string[];
  /** Tables its foreign keys point at (other than itself). */
  parents: string[];
}

/**
 * Bookkeeping tables of the backend, not catalog data: PostgreSQL's one-row schema_version (the counterpart of
 * SQLite's PRAGMA user_version) is written by the migrations of each side, never copied.
 */
const BOOKKEEPING = new Set(['schema_version']);

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Every catalog table, parents before the tables whose foreign keys point at them (so inserts satisfy them). */
export function catalogTables(db: Db): TableInfo[] {
  const names = tableNames(db).filter((n) => !BOOKKEEPING.has(n));
  const tables = names.map((name) => (db.dialect === 'sqlite' ? sqliteTable(db, name) : pgTable(db, name)));
  return parentsFirst(tables);
}

function tableNames(db: Db): string[] {
  const sql =
    db.dialect === 'sqlite'
      ? `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`
      : `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() ORDER BY c.relname`;
  return db.prepare(sql).pluck().all() as string[];
}

function sqliteTable(db: Db, name: string): TableInfo {
  const cols = db.prepare('SELECT name, pk FROM pragma_table_info(?) ORDER BY cid').all(name) as { name: string; pk: number }[];
  const parents = db.prepare('SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)').pluck().all(name) as string[];
  return {
    name,
    columns: cols.map((c) => c.name),
    key: cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
    identity: [],
    parents: parents.filter((p) => p !== name),
  };
}

function pgTable(db: Db, name: string): TableInfo {
  const cols = db
    .prepare(
      `SELECT a.attname AS name, a.attidentity <> '' AS is_identity,
         (SELECT k.n FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
          WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum) AS pk
       FROM pg_attribute a
       WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY a.attnum`,
    )
    .all(quoteIdent(name)) as { name: string; is_identity: boolean | number; pk: number | null }[];
  const parents = db
    .prepare(
      `SELECT DISTINCT p.relname FROM pg_constraint f JOIN pg_class p ON p.oid = f.confrelid
       WHERE f.contype = 'f' AND f.conrelid = ?::regclass`,
    )
    .pluck()
    .all(quoteIdent(name)) as string[];
  return {
    name,
    columns: cols.map((c) => c.name),
    key: cols.filter((c) => c.pk !== null).sort((a, b) => Number(a.pk) - Number(b.pk)).map((c) => c.name),
    identity: cols.filter((c) => !!c.is_identity).map((c) => c.name),
    parents: parents.filter((p) => p !== name),
  };
}

/** Depth-first topological order; a cycle (none in the catalog) would fall back to name order for its members. */
function parentsFirst(tables: TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: TableInfo[] = [];
  const visit = (t: TableInfo) => {
    if (done.has(t.name) || visiting.has(t.name)) return;
    visiting.add(t.name);
    for (const p of t.parents) {
      const parent = byName.get(p);
      if (parent) visit(parent);
    }
    visiting.delete(t.name);
    done.add(t.name);
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}
