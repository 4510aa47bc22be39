import crypto from 'node:crypto';
import path from 'node:path';
import { redactPassword, withoutPassword } from '../paths.js';

/** A catalog target naming a PostgreSQL server rather than a SQLite file. */
export function isCatalogUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * A short key naming one catalog in shared cache file names (search's vector and ANN files): the absolute file path,
 * or the URL less its password (the same catalog whatever folder the command runs in, and no secret on disk).
 */
export function catalogCacheKey(target: string): string {
  const name = isCatalogUrl(target) ? withoutPassword(target) : path.resolve(target);
  return crypto.createHash('sha256').update(name).digest('hex').slice(0, 12);
}

/** A catalog as it is shown to a user: a file path as it is, a URL with its password redacted (`user:***@host`). */
export function shownCatalog(target: string): string {
  return isCatalogUrl(target) ? redactPassword(target) : target;
}
