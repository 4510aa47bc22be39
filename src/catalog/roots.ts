import type { Db } from './open.js';

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

const COLUMNS = `id, path, added_at AS addedAt, last_scan_at AS lastScanAt, online, last_complete_scan AS lastCompleteScan, excludes`;

function toRoot(r: any): RootRow {
  return { ...r, online: r.online === 1, excludes: JSON.parse(r.excludes ?? '[]') };
}

/** Root rows and their transitions. Statements are prepared once per catalog connection. */
export function rootsCatalog(db: Db) {
  const insert = db.prepare(`INSERT INTO roots (path, added_at) VALUES (?, ?) ON CONFLICT(path) DO NOTHING`);
  const byPath = db.prepare(`SELECT ${COLUMNS} FROM roots WHERE path = ?`);
  const all = db.prepare(`SELECT ${COLUMNS} FROM roots ORDER BY path`);
  const setOnline = db.prepare(`UPDATE roots SET online = ? WHERE id = ?`);
  const complete = db.prepare(
    `UPDATE roots SET online = 1, last_scan_at = ?, last_complete_scan = ? WHERE id = ?`,
  );
  const forget = db.prepare(`DELETE FROM roots WHERE id = ?`);
  const setExcludes = db.prepare(`UPDATE roots SET excludes = ? WHERE id = ?`);
  return {
    /** The root with this path, added now if new. */
    ensure(path: string, now: number): RootRow {
      insert.run(path, now);
      return toRoot(byPath.get(path));
    },
    list(): RootRow[] {
      return all.all().map(toRoot);
    },
    /** Remembers the root's --exclude globs (an empty list clears them). */
    setExcludes(id: number, globs: readonly string[]): void {
      setExcludes.run(JSON.stringify(globs), id);
    },
    /** Drops the root's row; its files must be gone or moved to another root first. */
    forget(id: number): void {
      forget.run(id);
    },
    setOnline(id: number, online: boolean): void {
      setOnline.run(online ? 1 : 0, id);
    },
    /** A walk of the whole root finished (and its sweep ran). */
    markComplete(id: number, scanId: number, now: number): void {
      complete.run(now, scanId, id);
    },
  };
}

