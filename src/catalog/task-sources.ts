/**
 * What phase 2 writes when a task's file turns out not to be what the scan recorded: gone from its path (the file or
 * its whole root), or changed. The task then waits for the file instead of failing: the next scan finds the move,
 * the root coming back, or the deletion, and the file's rows follow from there.
 */
import type { Db } from './sql.js';
import { statement } from './statements.js';

const ROOT_OF_FILE = `SELECT r.id, r.path FROM files f JOIN roots r ON r.id = f.root_id WHERE f.id = ?`;
const FILE_OFFLINE = `UPDATE files SET state = 'offline' WHERE id = ? AND state = 'present'`;
const ROOT_FILES_OFFLINE = `UPDATE files SET state = 'offline' WHERE root_id = ? AND state = 'present'`;
const ROOT_OFFLINE = `UPDATE roots SET online = 0 WHERE id = ? AND online = 1`;
const REFRESH_CONTENT = `UPDATE files SET size = @size, mtime_ms = @mtimeMs, ino = @ino, dev = @dev, identity = @identity
  WHERE id = @id AND state = 'present'`;

/** The root a file belongs to. */
export function rootOfFile(db: Db, fileId: number): { id: number; path: string } | undefined {
  return statement(db, ROOT_OF_FILE).get(fileId) as
    | { id: number; path: string }
    | undefined;
}

/**
 * One file is not at its path while its root is there: it waits offline until a scan finds where it went (a move
 * keeps its id and its tasks) or that it was deleted (its tasks are canceled).
 */
export function markFileOffline(db: Db, fileId: number): boolean {
  return statement(db, FILE_OFFLINE).run(fileId).changes === 1;
}

/**
 * The root is gone (renamed, unmounted): it and its present files go offline, as a scan would mark them. Returns how
 * many files went offline, or null when the root was already offline.
 */
export function markRootOffline(db: Db, rootId: number): number | null {
  const files = statement(db, ROOT_FILES_OFFLINE).run(rootId).changes;
  const root = statement(db, ROOT_OFFLINE).run(rootId).changes;
  return root === 0 && files === 0 ? null : files;
}

/** The file at this path is not the one recorded: the row takes what is there now (the scan would do the same). */
export function refreshFileContent(
  db: Db,
  fileId: number,
  seen: { size: number; mtimeMs: number; ino: string; dev: number; identity: string },
): boolean {
  return (
    statement(db, REFRESH_CONTENT).run({ ...seen, id: fileId }).changes === 1
  );
}
