/**
 * Errors of the catalog itself (its disk full, an I/O error, a catalog that became read-only), as opposed to a
 * file's or a stage's: no task may be charged or failed for them, and the run stops with one line naming the catalog.
 */
import { ExitCode, UserError } from '../errors.js';

const CATALOG_FAULTS = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|NOMEM|PROTOCOL)/;

/** The SQLite code of a catalog fault, or null for any other error. */
export function catalogFaultCode(err: unknown): string | null {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && CATALOG_FAULTS.test(code) ? code : null;
}

/** The one line a user sees for a catalog fault: which catalog, what happened, what is kept, what to do. */
export function catalogFaultError(file: string, err: unknown): UserError {
  const code = catalogFaultCode(err)!;
  const what = (err as Error).message;
  const hint =
    code === 'SQLITE_FULL'
      ? "the disk holding it is full; work committed so far is kept: free some space, then run the command again (a scan goes on from what it wrote; 'indexer resume' finishes extraction)"
      : "work committed so far is kept; run the command again once the catalog's disk is fine";
  return new UserError(`catalog ${file}: ${what} (${code}); ${hint}`, ExitCode.failure);
}
