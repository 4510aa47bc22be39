import type { Db } from './sql.js';
import { statement } from './statements.js';

/** A folder the user asked us to index. */
export interface RootRow {
  id: number;
  /** Absolute path. */
  path: string;
  /** When first added (ms). */
  addedAt: number;
  /** End of the last complete walk (ms), null before the first. */
  lastScanAt: number | null;
  /** False while the root is missing, unreadable or empty (unmounted). */
  online: boolean;
  /** Id of the last scan that walked the whole root. */
  lastCompleteScan: number | null;
  /** The user's --exclude globs for this root, as last given (a plain `scan` reuses them). */
  excludes: string[];
}

const COLUMNS = `id, path, added_at AS "addedAt", last_scan_at AS "lastScanAt", online, last_complete_scan AS "lastCompleteScan", excludes`;

function toRoot(r: any): RootRow {
  return { ...r, online: r.online === 1, excludes: JSON.parse(r.excludes ?? '[]') };
}

const INSERT = `INSERT INTO roots (path, added_at) VALUES (?, ?) ON CONFLICT (path) DO NOTHING`;
const BY_PATH = `SELECT ${COLUMNS} FROM roots WHERE path = ?`;
const ALL = `SELECT ${COLUMNS} FROM roots ORDER BY path`;
const SET_ONLINE = `UPDATE roots SET online = ? WHERE id = ?`;
const COMPLETE = `UPDATE roots SET online = 1, last_scan_at = ?, last_complete_scan = ? WHERE id = ?`;
const FORGET = `DELETE FROM roots WHERE id = ?`;
const SET_EXCLUDES = `UPDATE roots SET excludes = ? WHERE id = ?`;

/** Root rows and their transitions. Statements are prepared once per catalog connection (statements.ts). */
export function rootsCatalog(db: Db) {
  return {
    /** The root with this path, added now if new. */
    ensure(path: string, now: number): RootRow {
      statement(db, INSERT).run(path, now);
      return toRoot(statement(db, BY_PATH).get(path));
    },
    list(): RootRow[] {
      return statement(db, ALL).all().map(toRoot);
    },
    /** Remembers the root's --exclude globs (an empty list clears them). */
    setExcludes(id: number, globs: readonly string[]): void {
      statement(db, SET_EXCLUDES).run(JSON.stringify(globs), id);
    },
    /** Drops the root's row; its files must be gone or moved to another root first. */
    forget(id: number): void {
      statement(db, FORGET).run(id);
    },
    setOnline(id: number, online: boolean): void {
      statement(db, SET_ONLINE).run(online ? 1 : 0, id);
    },
    /** A walk of the whole root finished (and its sweep ran). */
    markComplete(id: number, scanId: number, now: number): void {
      statement(db, COMPLETE).run(now, scanId, id);
    },
  };
}
