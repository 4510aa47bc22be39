import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { UserError, ExitCode } from '../errors.js';
import { migrations } from './migrations/index.js';
import { checkCatalogPath } from './catalog-path.js';
import { newerSchemaError } from './newer-schema.js';
import { isCatalogUrl } from './catalog-url.js';
import type { openPgCatalog as OpenPgCatalog } from './pg/open-pg.js';
import type { Db } from './sql.js';

/**
 * better-sqlite3 is a CommonJS package: require() loads it about 2 ms sooner than `import`, which first scans its
 * sources for export names. Every command that opens the catalog pays this at start-up.
 */
// URI file names (read at the addon's first load) let a reader open a catalog it cannot write as immutable (below).
process.env.SQLITE_USE_URI ??= '1';
const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as typeof BetterSqlite3;

export type { Db } from './sql.js';
type SqliteDb = BetterSqlite3.Database;

export interface OpenOptions {
  /** Open without creating or migrating (status on a missing catalog, read-only tools). */
  readonly?: boolean;
  /** Busy timeout in ms for competing connections. */
  busyTimeoutMs?: number;
  /** PostgreSQL: refuse a database holding no catalog (on SQLite the CLI checks the file first). */
  mustExist?: boolean;
  /** PostgreSQL: told when a new catalog is about to be created in an empty database. */
  onNewCatalog?: (message: string) => void;
}

/**
 * Opens (creating if needed) the catalog with WAL and a busy timeout, then applies pending migrations.
 * A catalog written by a newer version is refused and left untouched.
 * A `postgres://` or `postgresql://` target opens the PostgreSQL catalog there (./pg/open-pg.ts) instead.
 */
export function openCatalog(file: string, options: OpenOptions = {}): Db {
  // Until every catalog module is written against sql.ts's Db, a PostgreSQL catalog offers only that subset.
  if (isCatalogUrl(file)) return pgOpener()(file, options) as unknown as Db;
  if (options.readonly) checkCatalogPath(file, { write: false });
  if (!options.readonly) fs.mkdirSync(path.dirname(file), { recursive: true });
  else if (!fs.existsSync(file)) throw new UserError(`no catalog at ${file}: run 'indexer scan ROOT' first`);
  let db: SqliteDb;
  let version: number;
  try {
    db = new Database(file, { readonly: !!options.readonly, fileMustExist: !!options.readonly });
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    version = db.pragma('user_version', { simple: true }) as number;
  } catch (err) {
    if (!options.readonly || !cannotShareWal(err)) {
      throw new UserError(`cannot open catalog ${file}: ${(err as Error).message}`, ExitCode.failure);
    }
    ({ db, version } = openImmutable(file));
  }
  if (version > migrations.length) {
    db.close();
    throw newerSchemaError(file, version, migrations.length);
  }
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, version);
  }
  return asCatalogDb(db);
}

/**
 * The SQLite side of sql.ts's Db is better-sqlite3's Database itself, tagged with its dialect: nothing wraps it, so
 * the hot paths (scan, claim, commit) pay nothing. The one cast of the catalog: Db is the subset of its API we use.
 */
function asCatalogDb(db: SqliteDb): Db {
  return Object.assign(db, { dialect: 'sqlite' as const }) as unknown as Db;
}

/**
 * A WAL catalog's readers need its -shm file, which they create if it is missing: a user who may read the catalog
 * but not write it or its folder (another account's catalog, a read-only mount) cannot.
 */
function cannotShareWal(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  return code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN';
}

/**
 * Such a reader opens the catalog as immutable: no -shm, no locks. It then sees the catalog as of the writer's last
 * checkpoint (a running writer's newest commits may be missing), which is what a read-only reader can have.
 */
function openImmutable(file: string): { db: SqliteDb; version: number } {
  try {
    const db = new Database(`${pathToFileURL(path.resolve(file)).href}?immutable=1`, { readonly: true, fileMustExist: true });
    return { db, version: db.pragma('user_version', { simple: true }) as number };
  } catch (err) {
    throw new UserError(`cannot open catalog ${file} read-only: ${(err as Error).message}`, ExitCode.failure);
  }
}

/**
 * The PostgreSQL side is loaded only when a URL is opened, so a SQLite catalog's commands load none of it. It is
 * ESM loaded with require() (unflagged since Node 20.19) because opening is synchronous.
 */
function pgOpener(): typeof OpenPgCatalog {
  try {
    return (require('./pg/open-pg.js') as { openPgCatalog: typeof OpenPgCatalog }).openPgCatalog;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw err;
    throw new UserError(`a PostgreSQL catalog needs Node.js 20.19 or newer (this is ${process.version})`, ExitCode.failure);
  }
}

function migrate(db: SqliteDb, from: number): void {
  for (let v = from; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/** Schema version this build writes. */
export const schemaVersion = migrations.length;
