/**
 * Writing a bench's synthetic catalog fast (bench only; the product never does this): the tables keep the product's
 * schema, but their secondary indexes and triggers are dropped while the rows go in and created again from their own
 * SQL afterwards. CREATE INDEX over sorted rows costs a fraction of keeping seven indexes up to date row by row (the
 * 1M search catalog took 865 s at ~1,150 rows/s that way, on 2 loaded cores). The caller writes whatever the dropped
 * triggers would have written (search-scale-data.ts: the embeddings' seq and the model's generation).
 */
import type { Db } from '../src/catalog/open.js';

/**
 * A new, empty SQLite catalog file with this page size: a 2 KiB float32 embedding row takes a whole 4 KiB page (two
 * do not fit), so the default page size stores ~4.4 KB per photo; 16 KiB pages hold seven (~2.7 KB per photo).
 * Must run before openCatalog creates the tables.
 */
export async function createWithPageSize(file: string, pageSize: number): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const raw = new Database(file);
  raw.pragma(`page_size = ${pageSize}`);
  raw.exec('CREATE TABLE bench_page_size (a); DROP TABLE bench_page_size');
  raw.close();
}

/**
 * Runs write() with the indexes and triggers of `tables` dropped, the journal in memory and no syncs, then creates
 * them again from the SQL sqlite_master held and puts the journal back to WAL. A crash in between leaves a catalog to delete.
 */
export function withoutIndexes(db: Db, tables: string[], write: () => void): void {
  if (db.dialect !== 'sqlite') throw new Error('bulk load: SQLite catalogs only');
  // A rollback journal in memory (WAL would write every page twice; OFF is refused in better-sqlite3's defensive mode).
  const mode = (db.prepare('PRAGMA journal_mode = MEMORY').get() as { journal_mode: string }).journal_mode;
  if (mode !== 'memory') throw new Error(`bulk load: journal mode stayed ${mode}`);
  const marks = tables.map(() => '?').join(', ');
  const objects = db
    .prepare(`SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name IN (${marks}) AND sql IS NOT NULL`)
    .all(...tables) as { type: string; name: string; sql: string }[];
  for (const o of objects) db.exec(`DROP ${o.type.toUpperCase()} ${o.name}`);
  db.exec('PRAGMA synchronous = OFF');
  db.exec('PRAGMA cache_size = -1000000'); // 1 GB: the rowid tables and the one UNIQUE path index stay cached
  try {
    write();
  } finally {
    for (const o of objects.filter((x) => x.type === 'index')) db.exec(o.sql);
    for (const o of objects.filter((x) => x.type === 'trigger')) db.exec(o.sql);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA cache_size = -2000');
  }
}
