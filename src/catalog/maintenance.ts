/**
 * What callers outside the catalog once did with SQLite pragmas, per dialect: the schema version a catalog is at,
 * and giving a full disk's WAL space back.
 */
import type { Db } from './sql.js';
import { statement } from './statements.js';
import { bothDialects } from './dialect.js';

// PostgreSQL keeps the version in a one-row table (the pg migrations create it); SQLite in its header.
const SCHEMA_VERSION = bothDialects((d) => (d === 'sqlite' ? `PRAGMA user_version` : `SELECT version FROM schema_version`));

/** The schema version the catalog is at (the number of migrations applied to it). */
export function catalogSchemaVersion(db: Db): number {
  return Number(statement(db, SCHEMA_VERSION).pluck().get() ?? 0);
}

/**
 * After a write failed on a full disk: on SQLite, a checkpoint lets the next write reuse the WAL's space from its
 * start, which the disk already gave us. The PostgreSQL server manages its own WAL: nothing to do from here.
 */
export function reclaimWalSpace(db: Db): void {
  if (db.dialect === 'sqlite') db.exec('PRAGMA wal_checkpoint(RESTART)');
}
