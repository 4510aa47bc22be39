import type { Db } from './sql.js';
import { statement } from './statements.js';

/** Read-only counts for `indexer status`. */
export interface FilesOverview {
  /** Present + offline (deleted rows are kept only as history). */
  total: number;
  present: number;
  offline: number;
  deleted: number;
  /** kind -> state -> count. */
  byKind: Record<string, Record<string, number>>;
}

export interface RootOverview {
  id: number;
  path: string;
  online: boolean;
  addedAt: number;
  lastScanAt: number | null;
  files: number;
  offline: number;
}

const FILES_OVERVIEW = `SELECT kind, state, count(*) AS n FROM files GROUP BY kind, state`;

export function filesOverview(db: Db): FilesOverview {
  const rows = statement(db, FILES_OVERVIEW).all() as {
    kind: string;
    state: string;
    n: number;
  }[];
  const out: FilesOverview = { total: 0, present: 0, offline: 0, deleted: 0, byKind: {} };
  for (const r of rows) {
    (out.byKind[r.kind] ??= {})[r.state] = r.n;
    if (r.state === 'present' || r.state === 'offline' || r.state === 'deleted') out[r.state] += r.n;
  }
  out.total = out.present + out.offline;
  return out;
}

const ROOTS_OVERVIEW = `SELECT r.id, r.path, r.online, r.added_at AS "addedAt", r.last_scan_at AS "lastScanAt",
    (SELECT count(*) FROM files f WHERE f.root_id = r.id AND f.state != 'deleted') AS files,
    (SELECT count(*) FROM files f WHERE f.root_id = r.id AND f.state = 'offline') AS offline
  FROM roots r ORDER BY r.path`;

export function rootsOverview(db: Db): RootOverview[] {
  const rows = statement(db, ROOTS_OVERVIEW).all() as any[];
  return rows.map((r) => ({ ...r, online: r.online === 1 }));
}
