import type { Db } from './sql.js';
import { statement } from './statements.js';
import { columnExists } from './dialect.js';

/** One root as `indexer roots` lists it. */
export interface RootListing {
  id: number;
  path: string;
  online: boolean;
  addedAt: number;
  lastScanAt: number | null;
  /** Present files. */
  present: number;
  offline: number;
  deleted: number;
  /** Remembered --exclude globs. */
  excludes: string[];
}

const listSql = (excludes: string) => `SELECT r.id, r.path, r.online, r.added_at AS "addedAt", r.last_scan_at AS "lastScanAt",
    ${excludes} AS excludes,
    (SELECT count(*) FROM files f WHERE f.root_id = r.id AND f.state = 'present') AS present,
    (SELECT count(*) FROM files f WHERE f.root_id = r.id AND f.state = 'offline') AS offline,
    (SELECT count(*) FROM files f WHERE f.root_id = r.id AND f.state = 'deleted') AS deleted
  FROM roots r ORDER BY r.path`;
const LIST = listSql('r.excludes');
/** A catalog from before migration 008 (read-only, an older schema) has no excludes column. */
const LIST_BEFORE_EXCLUDES = listSql(`'[]'`);

/** Every root with its file counts (works on a read-only catalog of an older schema too). */
export function listRoots(db: Db): RootListing[] {
  const sql = columnExists(db, 'roots', 'excludes') ? LIST : LIST_BEFORE_EXCLUDES;
  const rows = statement(db, sql).all() as any[];
  return rows.map((r) => ({ ...r, online: r.online === 1, excludes: JSON.parse(r.excludes) }));
}

const ROOT_ID = `SELECT id FROM roots WHERE path = ?`;

/** The root's id, by exact (absolute, normalised) path. */
export function rootIdByPath(db: Db, path: string): number | undefined {
  return statement(db, ROOT_ID).pluck().get(path) as number | undefined;
}

const DELETE_FILES = `DELETE FROM files WHERE root_id = ?`;
const DELETE_ROOT = `DELETE FROM roots WHERE id = ?`;

/**
 * Forgets a root: its file rows go, and with them (foreign keys cascade) their tasks, metadata and embeddings.
 * Returns how many file rows went. Cache files are keyed by content and may be shared, so they stay.
 */
export function removeRoot(db: Db, rootId: number): number {
  return db.transaction(() => {
    const n = statement(db, DELETE_FILES).run(rootId).changes;
    statement(db, DELETE_ROOT).run(rootId);
    return n;
  })();
}

/** Why a move was refused (a path the new location would take is already someone else's). */
export class RootMoveConflict extends Error {}

const MOVE_CLASH = `SELECT o.path FROM files f JOIN files o ON o.path = @target || substr(f.path, length(@prefix) + 1)
  WHERE f.root_id = @rootId LIMIT 1`;

const rebase = (col: string) =>
  `CASE WHEN ${col} = @from THEN @to WHEN substr(${col}, 1, length(@prefix)) = @prefix
     THEN @target || substr(${col}, length(@prefix) + 1) ELSE ${col} END`;
const MOVE_FILES = `UPDATE files SET path = ${rebase('path')}, dir = ${rebase('dir')}, sidecar_path = ${rebase('sidecar_path')}
  WHERE root_id = @rootId`;
const MOVE_ROOT = `UPDATE roots SET path = ? WHERE id = ?`;

/**
 * Rewrites a root's path and every path below it (file, folder, sidecar), keeping every id: nothing is
 * re-extracted. Refused when the new root or one of the new file paths is already in the catalog.
 */
export function moveRoot(db: Db, rootId: number, from: string, to: string): number {
  return db.transaction(() => {
    if (rootIdByPath(db, to) !== undefined) throw new RootMoveConflict(`${to} is already a root`);
    const prefix = from.endsWith('/') ? from : from + '/';
    const target = to.endsWith('/') ? to : to + '/';
    const clash = statement(db, MOVE_CLASH).pluck().get({ rootId, prefix, target }) as string | undefined;
    if (clash !== undefined) throw new RootMoveConflict(`${clash} is already in the catalog`);
    const n = statement(db, MOVE_FILES).run({ rootId, from, to, prefix, target }).changes;
    statement(db, MOVE_ROOT).run(to, rootId);
    return n;
  })();
}
