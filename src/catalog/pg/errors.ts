/**
 * What the PostgreSQL catalog throws when the server is gone. The worker loop catches CatalogUnavailableError,
 * stops claiming, and reconnects with backoff; a one-shot command (scan, status) lets it end the run with one line.
 */
export class CatalogUnavailableError extends Error {
  constructor(
    message: string,
    /** The cause's code: a SQLSTATE (57P01 admin shutdown...) or a socket errno (ECONNREFUSED...), when known. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'CatalogUnavailableError';
  }
}

/** A statement the server refused (syntax, constraint...): the message and SQLSTATE as PostgreSQL gave them. */
export class PgStatementError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'PgStatementError';
  }
}

const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOENT']);

/**
 * SQLSTATEs of a server ending the session: 57P01-57P03 shutting down or starting, 57P04 the database dropped,
 * 57P05 idle_session_timeout, 25P03 idle_in_transaction_session_timeout.
 */
const SESSION_ENDED = /^(57P0[1-5]|25P03)$/;

/**
 * True when an error means "no usable connection" rather than "this statement failed": a socket error, a
 * connection-exception SQLSTATE (class 08), the server ending the session (SESSION_ENDED), or node-postgres's own
 * messages for a dead client.
 */
export function isConnectionLoss(code: string | undefined, message: string): boolean {
  if (code !== undefined && (socketCodes.has(code) || code.startsWith('08') || SESSION_ENDED.test(code))) return true;
  return /Connection terminated|not queryable|Client was closed|connection is closed|timeout expired/i.test(message);
}

/** Words for the socket errors a user meets when the server cannot be reached. */
export function describeCause(code: string | undefined, message: string): string {
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is PostgreSQL running and listening there?)',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ECONNRESET: 'connection reset',
    ENOENT: 'no server socket there (is PostgreSQL running?)',
  };
  const text = (code && words[code]) || message.replace(/\s+/g, ' ').trim();
  // A socket errno is worth showing (users search for it); a SQLSTATE is not, PostgreSQL's message says it all.
  return code && /^E[A-Z]/.test(code) && !text.includes(code) ? `${text} (${code})` : text;
}
