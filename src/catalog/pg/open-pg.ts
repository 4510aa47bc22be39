/**
 * Opening a PostgreSQL catalog: connect (a server that cannot be reached is one line, exit 1), refuse a schema newer
 * than this build knows (the same message as SQLite), and apply pending migrations from ../migrations/pg. Migrating
 * takes a transaction-level advisory lock and re-reads the version under it, so processes opening a fresh catalog at
 * once (a scan and three workers) apply each migration exactly once.
 */
import { catalogSchemaVersion } from '../maintenance.js';
import { tableExists } from '../dialect.js';
import { ExitCode, UserError } from '../../errors.js';
import { pgMigrations } from '../migrations/pg/index.js';
import { newerSchemaError } from '../newer-schema.js';
import { MIGRATE_LOCK_KEY } from './lock-keys.js';
import { PgDb } from './pg-db.js';


export interface PgOpenOptions {
  /** Open without creating or migrating; the session refuses writes. */
  readonly?: boolean;
  /** Refuse a database holding no catalog yet (retry, cancel: nothing to work on). */
  mustExist?: boolean;
  /** Told when the database holds no catalog and one is about to be created. */
  onNewCatalog?: (message: string) => void;
}

export function openPgCatalog(url: string, options: PgOpenOptions = {}): PgDb {
  const db = new PgDb(url);
  try {
    const version = schemaVersionOf(db);
    if (version === null && (options.readonly || options.mustExist)) {
      throw new UserError(`no catalog at ${db.shownUrl}: run 'indexer scan ROOT' first`, ExitCode.usage);
    }
    if (version === null) options.onNewCatalog?.(`no catalog at ${db.shownUrl}: creating a new one`);
    if ((version ?? 0) > pgMigrations.length) throw newerSchemaError(db.shownUrl, version!, pgMigrations.length);
    if (options.readonly) db.exec('SET default_transaction_read_only = on');
    else if ((version ?? 0) < pgMigrations.length) migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The catalog's schema version; null where the database holds no catalog yet. */
export function schemaVersionOf(db: PgDb): number | null {
  return tableExists(db, 'schema_version') ? catalogSchemaVersion(db) : null;
}

function migrate(db: PgDb): void {
  for (;;) {
    const done = db.transaction(() => {
      db.prepare('SELECT pg_advisory_xact_lock(?)').run(MIGRATE_LOCK_KEY);
      db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
        version bigint NOT NULL,
        one boolean PRIMARY KEY DEFAULT true CHECK (one)
      )`);
      db.exec('INSERT INTO schema_version (version) VALUES (0) ON CONFLICT DO NOTHING');
      const version = catalogSchemaVersion(db);
      if (version > pgMigrations.length) throw newerSchemaError(db.shownUrl, version, pgMigrations.length);
      if (version === pgMigrations.length) return true;
      db.exec(pgMigrations[version]!);
      db.prepare('UPDATE schema_version SET version = ?').run(version + 1);
      return false;
    })();
    if (done) return;
  }
}
