import { acquireWriterLock } from '../catalog/lock.js';
import { openCatalog, type Db } from '../catalog/open.js';
import { catalogFaultCode, catalogFaultError } from '../catalog/faults.js';
import type { Clock } from '../types.js';
import { interruptSignal } from './signals.js';

/**
 * Runs `fn` as the catalog's one writer: Ctrl-C handling first (so a `--wait` for the lock can be interrupted), then
 * the writer lock, then the open catalog; each released in reverse order whatever happens.
 */
export async function withWriterCatalog<T>(
  file: string,
  opts: { wait: boolean; clock: Clock },
  fn: (db: Db, signal: AbortSignal) => Promise<T> | T,
): Promise<T> {
  const interrupt = interruptSignal();
  try {
    const release = await acquireWriterLock(file, { wait: opts.wait, clock: opts.clock, signal: interrupt.signal });
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
