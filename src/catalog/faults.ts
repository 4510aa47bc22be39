/**
 * Errors of the catalog itself (its disk full, an I/O error, a catalog that became read-only, a server that went
 * away), as opposed to a file's or a stage's: no task may be charged or failed for them, and the run stops with one
 * line naming the catalog.
 */
import { ExitCode, UserError } from '../errors.js';
import { CatalogUnavailableError } from './pg/errors.js';

const SQLITE_FAULTS = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|NOMEM|PROTOCOL)/;

/**
 * PostgreSQL SQLSTATEs that are the catalog's, not the statement's: 53100 disk full, class 08 connection exceptions,
 * 25006 read-only transaction (a standby, or default_transaction_read_only), 57P01-57P05 the server shutting down,
 * starting, or ending the session (database dropped, idle_session_timeout), 58030 an I/O error on the server.
 */
const PG_FAULTS = /^(53100|08[0-9A-Z]{3}|25006|57P0[1-5]|58030)$/;

/**
 * What a lost server without a SQLSTATE counts as: a SIGKILLed server or a reset connection reaches the client as a
 * bare socket error (ECONNRESET, EPIPE, "Connection terminated unexpectedly"), class 08 "connection failure" all the same.
 */
const CONNECTION_FAILURE = '08006';

/** PostgreSQL's "cannot execute ... in a read-only transaction". */
const READ_ONLY_SERVER = '25006';

/** Codes of a full disk, on either backend. */
const DISK_FULL = new Set(['SQLITE_FULL', '53100']);

/** The SQLite code or PostgreSQL SQLSTATE of a catalog fault, or null for any other error. */
export function catalogFaultCode(err: unknown): string | null {
  const code = (err as { code?: unknown })?.code;
  // The PostgreSQL catalog's lost connection, whatever its cause (a SQLSTATE, a socket errno or none).
  if (err instanceof CatalogUnavailableError) return err.code && PG_FAULTS.test(err.code) ? err.code : CONNECTION_FAILURE;
  if (typeof code !== 'string') return null;
  return SQLITE_FAULTS.test(code) || PG_FAULTS.test(code) ? code : null;
}

/** The one line a user sees for a catalog fault: which catalog, what happened, what is kept, what to do. */
export function catalogFaultError(file: string, err: unknown): UserError {
  const code = catalogFaultCode(err)!;
  const what = (err as Error).message;
  const own = (err as { code?: unknown }).code;
  // The code a user can search for, once: the server's SQLSTATE or the socket errno (describeCause quotes an errno).
  const shown = typeof own !== 'string' || what.includes(own) ? what : `${what} (${own})`;
  const hint = DISK_FULL.has(code)
    ? "the disk holding it is full; work committed so far is kept: free some space, then run the command again (a scan goes on from what it wrote; 'indexer resume' finishes extraction)"
    : code.startsWith('08') || code.startsWith('57P')
      ? "its server cannot be reached; work committed so far is kept: run 'indexer resume' once it is back"
      : code === READ_ONLY_SERVER
        ? 'the server takes only reads (a standby, or default_transaction_read_only); work committed so far is kept: point --db at the primary, or turn read-only off, and run the command again'
        : "work committed so far is kept; run the command again once the catalog's disk is fine";
  return new UserError(`catalog ${file}: ${shown}; ${hint}`, ExitCode.failure);
}
