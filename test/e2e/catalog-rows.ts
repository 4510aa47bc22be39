/**
 * Every row of every table of a SQLite catalog, read with better-sqlite3 directly (not through the catalog code a
 * copy test checks): tests compare two catalogs table by table.
 */
import Database from 'better-sqlite3';

/** The catalog's tables, by name, from its own schema. */
export function tableNames(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name`).pluck().all() as string[];
  } finally {
    db.close();
  }
}

/** Table name -> its rows (objects, BLOBs as Buffers), sorted by every column so row order does not matter. */
export function catalogRows(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const table of tableNames(file)) {
      const columns = (db.prepare(`SELECT count(*) FROM pragma_table_info(?)`).pluck().get(table) as number);
      const order = Array.from({ length: columns }, (_, i) => i + 1).join(', ');
      out[table] = db.prepare(`SELECT * FROM "${table}" ORDER BY ${order}`).all();
    }
    return out;
  } finally {
    db.close();
  }
}
