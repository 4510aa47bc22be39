/**
 * A catalog URL (`postgres://` or `postgresql://`) to node-postgres's client settings, read the way libpq reads it,
 * so a URL that works with psql works here:
 * - `sslmode` (in the URL, else $PGSSLMODE) has libpq's meaning: disable; allow/prefer (TLS when the server offers
 *   it, else plain: the bridge retries without TLS); require (TLS, no certificate check); verify-ca; verify-full.
 *   `sslrootcert`, `sslcert`, `sslkey` name files, as in libpq. node-postgres alone would read require as verify-full.
 * - password: the URL's, else $PGPASSWORD, else the matching line of ~/.pgpass ($PGPASSFILE), which must be mode 0600
 *   (as libpq insists). node-postgres reads the file itself but with a deprecation warning, so we read it here.
 * - host, port, user, database: the URL's, else $PGHOST, $PGPORT, $PGUSER, $PGDATABASE, else localhost, 5432, the
 *   login name, the user name. A host starting with '/' is a unix-socket folder.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import type { ClientConfig } from 'pg';
import type { parse as Parse } from 'pg-connection-string';
import type Pgpass from 'pgpass';
import { ExitCode, UserError } from '../../errors.js';
import { redactPassword } from '../../paths.js';

// Loaded on first use: every command imports this module (through open.ts), and a SQLite catalog must not pay for it.
const require = createRequire(import.meta.url);

export interface CatalogConnection {
  /** Settings for `new pg.Client(...)` (password filled in by the bridge from ~/.pgpass when absent). */
  config: ClientConfig;
  /** libpq's sslmode, lower-case. */
  sslmode: string;
  /** `host:port`, for messages. */
  where: string;
}

export { isCatalogUrl } from '../catalog-url.js';

export function connectionFor(url: string, env: NodeJS.ProcessEnv = process.env): CatalogConnection {
  const parse = (require('pg-connection-string') as { parse: typeof Parse }).parse;
  let parsed: Record<string, unknown>;
  try {
    parsed = parse(url, { useLibpqCompat: true }) as Record<string, unknown>;
  } catch (err) {
    throw badUrl(url, (err as Error).message);
  }
  const sslmode = String(parsed.sslmode ?? env.PGSSLMODE ?? 'prefer').toLowerCase();
  let ssl = parsed.ssl as ClientConfig['ssl'];
  const host = (parsed.host as string | null | undefined) || env.PGHOST || 'localhost';
  if (parsed.sslmode === undefined) ssl = sslFromMode(sslmode);
  // libpq never uses TLS over a unix socket.
  if (host.startsWith('/')) ssl = false;
  const port = Number(parsed.port || env.PGPORT || 5432);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw badUrl(url, `port ${String(parsed.port || env.PGPORT)}${parsed.port ? '' : ' (from $PGPORT)'} is not a number from 1 to 65535`);
  const user = (parsed.user as string | undefined) || env.PGUSER || os.userInfo().username;
  const config: ClientConfig = {
    host,
    port,
    user,
    database: (parsed.database as string | null | undefined) || env.PGDATABASE || user,
    password: (parsed.password as string | undefined) || env.PGPASSWORD || undefined,
    ssl,
    application_name: `indexer pid=${process.pid} host=${os.hostname()}`,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    connectionTimeoutMillis: Number(parsed.connect_timeout ?? env.PGCONNECT_TIMEOUT ?? 10) * 1000 || 10_000,
  };
  const where = host.startsWith('/') ? `${host}/.s.PGSQL.${port}` : `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { config, sslmode, where };
}

/**
 * A URL that names no server (a port past 65535, a bracket left open, a stray '%'): exit 2 with the URL less its
 * password, as for any catalog that cannot be one, rather than the parser's bare "Invalid URL".
 */
function badUrl(url: string, why: string): UserError {
  const hidden = passwordUndelimited(url);
  const cause = hidden ? 'a / ? or # in the user name or password must be percent-encoded' : why === 'Invalid URL' ? (portProblem(url) ?? 'it cannot be parsed') : why;
  const shown = hidden ? `${/^[a-z]+:\/\//i.exec(url)?.[0] ?? ''}***` : redactPassword(url);
  return new UserError(
    `catalog ${shown}: not a valid PostgreSQL URL: ${cause}; write it as postgres://USER@HOST:PORT/DATABASE (a password after USER and a colon, with any @ : / ? # % in it percent-encoded)`,
    ExitCode.usage,
  );
}

/**
 * True when an '@' comes only after the first / ? or #: the user name or password holds one of them unencoded, so
 * neither redactPassword nor the port check can tell the password from the host, and the URL is not shown at all.
 */
function passwordUndelimited(url: string): boolean {
  const rest = url.replace(/^[a-z]+:\/\//i, '');
  const end = rest.search(/[/?#]/);
  return end >= 0 && !rest.slice(0, end).includes('@') && rest.slice(end).includes('@');
}

/** Why the port of `url`'s authority is no port, if it is not. */
function portProblem(url: string): string | null {
  const authority = url.replace(/^[a-z]+:\/\//i, '').split(/[/?#]/)[0]!.replace(/^.*@/, '');
  const port = /^(?:\[[^\]]*\]|[^:[\]]*):(.*)$/.exec(authority)?.[1];
  if (port === undefined || port === '') return null;
  return /^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535 ? null : `port ${port} is not a number from 1 to 65535`;
}

/** TLS settings for an sslmode given only through $PGSSLMODE (the URL's is handled by the parser). */
function sslFromMode(mode: string): ClientConfig['ssl'] {
  switch (mode) {
    case 'disable':
      return false;
    case 'allow':
    case 'prefer':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { checkServerIdentity: () => undefined };
    default:
      return {};
  }
}

/** libpq tries TLS first under allow/prefer and falls back to a plain connection when the server offers none. */
export function mayFallBackToPlain(sslmode: string): boolean {
  return sslmode === 'prefer' || sslmode === 'allow';
}

/** The password to send: the URL's or $PGPASSWORD (already in `config`), else ~/.pgpass's ($PGPASSFILE), else none. */
export function passwordFor(config: ClientConfig): Promise<string | undefined> {
  if (typeof config.password === 'string' && config.password) return Promise.resolve(config.password);
  const pgpass = require('pgpass') as typeof Pgpass;
  return new Promise((resolve) =>
    pgpass({ host: config.host, port: config.port, database: config.database, user: config.user }, (pw) => resolve(pw || undefined)),
  );
}
