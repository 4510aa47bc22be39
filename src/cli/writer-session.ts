import { acquireWriterLock } from '../catalog/lock.js';
import { acquirePgWriterLock } from '../catalog/lock-pg.js';
import { isCatalogUrl } from '../catalog/catalog-url.js';
import { openCatalog, type Db } from '../catalog/open.js';
import type { PgDb } from '../catalog/pg/pg-db.js';
import { checkCatalogPath } from '../catalog/catalog-path.js';
import { ExitCode, UserError } from '../errors.js';
import { catalogFaultCode, catalogFaultError } from '../catalog/faults.js';
import type { Clock } from '../types.js';
import { interruptSignal } from './signals.js';
import { escapeControls } from './display.js';

/**
 * Runs `fn` as the catalog's one writer: Ctrl-C handling first (so a `--wait` for the lock can be interrupted), then
 * the writer lock, then the open catalog; each released in reverse order whatever happens.
 */
export async function withWriterCatalog<T>(
  file: string,
  opts: {
    wait: boolean;
    clock: Clock;
    /** Refuse to create a catalog (retry, cancel: there is nothing to work on in a new one). */
    mustExist?: boolean;
    /** Told when a new catalog is about to be created (the CLI says so on a terminal: a mistyped --db re-indexes all). */
    onNewCatalog?: (message: string) => void;
    /** Told while waiting for the lock (e.g. a lock held from another host). */
    notice?: (message: string) => void;
    /**
     * Ctrl-C interrupts only the wait for the lock; once it is held, Ctrl-C kills the process as usual (migrate: its
     * copy is one synchronous transaction that an abort signal could not stop, and a killed copy leaves nothing).
     */
    killOnInterruptOnceLocked?: boolean;
  },
  fn: (db: Db, signal: AbortSignal) => Promise<T> | T,
): Promise<T> {
  if (isCatalogUrl(file)) return withPgWriterCatalog(file, opts, fn);
  // Before the lock: a bad path must not leave a lock file (or a folder) behind.
  const place = checkCatalogPath(file, { write: true });
  if (!place.exists) {
    if (opts.mustExist) throw new UserError(`no catalog at ${file}: run 'indexer scan ROOT' first`, ExitCode.usage);
    opts.onNewCatalog?.(`no catalog at ${file}${place.newFolder ? ' (its folder does not exist)' : ''}: creating a new one`);
  }
  const interrupt = interruptSignal();
  try {
    const release = await acquireWriterLock(file, { wait: opts.wait, clock: opts.clock, signal: interrupt.signal, notice: opts.notice && ((m) => opts.notice!(escapeControls(m))) });
    if (opts.killOnInterruptOnceLocked) interrupt.dispose();
    try {
      const db = openCatalog(file);
      try {
        return await fn(db, interrupt.signal);
      } catch (err) {
        // The catalog's own fault (its disk full...): one line naming it, whichever step hit it.
        throw catalogFaultCode(err) ? catalogFaultError(file, err) : err;
      } finally {
        db.close();
      }
    } finally {
      release();
    }
  } finally {
    interrupt.dispose();
  }
}

/**
 * The same on PostgreSQL: open first (the writer lock is an advisory lock held on the catalog's own connection, which
 * must exist to take it), then the lock; the connection's end releases it even if this process is killed.
 */
async function withPgWriterCatalog<T>(
  url: string,
  opts: Parameters<typeof withWriterCatalog>[1],
  fn: (db: Db, signal: AbortSignal) => Promise<T> | T,
): Promise<T> {
  const interrupt = interruptSignal();
  try {
    const db = openCatalog(url, { mustExist: opts.mustExist, onNewCatalog: opts.onNewCatalog }) as unknown as PgDb;
    try {
      const notice = opts.notice && ((m: string) => opts.notice!(escapeControls(m)));
      const release = await acquirePgWriterLock(db, { wait: opts.wait, signal: interrupt.signal, notice });
      if (opts.killOnInterruptOnceLocked) interrupt.dispose();
      try {
        return await fn(db as unknown as Db, interrupt.signal);
      } catch (err) {
        // The server gone, the catalog read-only, its disk full: one line naming it, as on SQLite.
        throw catalogFaultCode(err) ? catalogFaultError(url, err) : err;
      } finally {
        release();
      }
    } finally {
      db.close();
    }
  } finally {
    interrupt.dispose();
  }
}
