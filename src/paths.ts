import os from 'node:os';
import path from 'node:path';
import { ExitCode, UserError } from './errors.js';

/**
 * Where the catalog lives: --db, else $INDEXER_DB, else $XDG_DATA_HOME/indexer/catalog.db.
 * A URL is a server or an error, never a file: path.resolve('postgres://u@h/db') would make a SQLite file under a
 * folder named `postgres:` in the current folder. A `postgres://` or `postgresql://` URL is returned as it is (the
 * PostgreSQL catalog there); every other URL is refused here, before anything opens or creates.
 */
export function resolveCatalogPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return catalogFile(flag, '--db');
  if (env.INDEXER_DB) return catalogFile(env.INDEXER_DB, '$INDEXER_DB');
  return path.join(dataHome(env), 'indexer', 'catalog.db');
}

/** `scheme://`, the scheme two letters or more, so a Windows drive (`C://x`) still reads as a path. */
const urlLike = /^([a-z][a-z0-9+.-]+):\/\//i;

function catalogFile(value: string, source: string): string {
  const scheme = urlLike.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return path.resolve(value);
  if (scheme === 'postgres' || scheme === 'postgresql') return value;
  throw new UserError(
    `${source} ${redactPassword(value)}: a catalog is a file path (SQLite) or a postgres:// or postgresql:// URL (PostgreSQL); ${scheme}:// URLs are not supported`,
    ExitCode.usage,
  );
}

/** The URL as the user wrote it, less any password (in the user-info part or a `password=` parameter). */
export function withoutPassword(url: string): string {
  return hidePassword(url, '');
}

/**
 * The URL as it is shown to a user (status, errors, logs): a password in the user-info part or a `password=`
 * parameter becomes `***`, so the reader still sees that one was given: `postgres://user:***@host/db`.
 */
export function redactPassword(url: string): string {
  return hidePassword(url, ':***');
}

/** Every postgres:// or postgresql:// URL inside `text` with its password redacted (error messages from anywhere). */
export function redactUrls(text: string): string {
  return text.replace(/postgres(?:ql)?:\/\/[^\s'"<>]+/gi, (url) => redactPassword(url));
}

/** `url` with the password of its user-info part replaced by `shown` (`:***`, or nothing) and `password=` masked. */
function hidePassword(url: string, shown: string): string {
  const start = url.indexOf('://') + 3;
  const rest = url.slice(start);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@'); // an unescaped '@' in a password: the host follows the last one
  const colon = authority.indexOf(':');
  const hidden = at > 0 && colon >= 0 && colon < at ? authority.slice(0, colon) + shown + authority.slice(at) : authority;
  const tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  return url.slice(0, start) + hidden + tail.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** Where derived files live: --cache-dir, else $INDEXER_CACHE, else $XDG_CACHE_HOME/indexer. */
export function resolveCacheDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return path.resolve(flag);
  if (env.INDEXER_CACHE) return path.resolve(env.INDEXER_CACHE);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'indexer');
}

/** XDG data home ($XDG_DATA_HOME, default ~/.local/share). Models are kept under <dataHome>/indexer/models. */
export function dataHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
}
