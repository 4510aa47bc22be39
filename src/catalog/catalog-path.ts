/**
 * What is at the catalog path, checked before the lock or SQLite touch it: a folder, a device (/dev/null), a photo
 * given as --db, or a folder that cannot be written would otherwise fail as "disk I/O error" or "file is not a
 * database" (worded as a bug), or leave a -journal file beside /dev/null.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, UserError } from '../errors.js';

/** The first 16 bytes of every SQLite database file. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HOW = 'point --db (or $INDEXER_DB) at a catalog file, or at a new file name to start a catalog';

/** What opening `file` will find: an existing catalog, or a new one (and whether its folder must be made too). */
export type CatalogPlace = { exists: true } | { exists: false; newFolder: boolean };

/** Throws a UserError (exit 2) naming the problem and the fix when `file` cannot be a catalog. */
export function checkCatalogPath(file: string, opts: { write: boolean }): CatalogPlace {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new UserError(`catalog path ${file}: a part of it is a file, not a folder; ${HOW}`, ExitCode.usage);
    if (code !== 'ENOENT') throw new UserError(`catalog path ${file}: ${(err as Error).message}`, ExitCode.usage);
    const folder = path.dirname(file);
    const newFolder = !fs.existsSync(folder);
    if (opts.write && !newFolder) checkWritableFolder(folder);
    return { exists: false, newFolder };
  }
  if (stat.isDirectory()) {
    throw new UserError(`catalog path ${file} is a folder, not a catalog file: use --db ${path.join(file, 'catalog.db')}`, ExitCode.usage);
  }
  if (!stat.isFile()) throw new UserError(`catalog path ${file} is not a regular file (a device or a pipe); ${HOW}`, ExitCode.usage);
  if (stat.size > 0 && !startsWithMagic(file)) {
    throw new UserError(`${file} is not a catalog: it is not a SQLite database (a photo or another file given as --db?); ${HOW}`, ExitCode.usage);
  }
  if (opts.write) checkWritableFolder(path.dirname(file));
  return { exists: true };
}

function startsWithMagic(file: string): boolean {
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    return fs.readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_MAGIC);
  } catch {
    // Unreadable: SQLite will say so with the cause; this check is only about what the file holds.
    return true;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** A writer needs its lock file, SQLite's -wal and -shm files beside the catalog. */
function checkWritableFolder(folder: string): void {
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch (err) {
    throw new UserError(
      `cannot write in the catalog's folder ${folder} (${(err as NodeJS.ErrnoException).code}): the lock and SQLite's journal live beside the catalog; fix the folder's permissions or ${HOW}`,
      ExitCode.usage,
    );
  }
}
