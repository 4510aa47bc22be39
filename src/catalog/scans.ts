import type { Db } from './sql.js';
import { statement } from './statements.js';
import { storableTextOrNull } from './text.js';

/** Counts of one scan; the same keys appear in `scan --json` under "scan". */
export interface ScanCounts {
  new: number;
  modified: number;
  moved: number;
  deleted: number;
  unchanged: number;
  /** Files kept as offline because their root is missing, unreadable or empty. */
  offline: number;
  /** Files modified within --settle, left for the next run. */
  settling: number;
  /** Paths that could not be read (each named once on stderr). */
  errors: number;
  /** Unchanged images whose XMP sidecar appeared, changed or went away. */
  sidecars: number;
}

export type ScanOutcome = 'running' | 'complete' | 'interrupted' | 'failed';

/** A scan as recorded: `sidecars` is reported by the scan itself, not kept. */
export interface ScanRow extends Omit<ScanCounts, 'sidecars'> {
  id: number;
  startedAt: number;
  endedAt: number | null;
  outcome: ScanOutcome;
  roots: string[];
  note: string | null;
}

export function zeroCounts(): ScanCounts {
  return { new: 0, modified: 0, moved: 0, deleted: 0, unchanged: 0, offline: 0, settling: 0, errors: 0, sidecars: 0 };
}

const COLUMNS = `id, started_at AS "startedAt", ended_at AS "endedAt", outcome, roots, new, modified, moved, deleted,
  unchanged, offline, settling, errors, note`;

function toScan(r: any): ScanRow {
  return { ...r, roots: JSON.parse(r.roots) };
}

const START = `INSERT INTO scans (started_at, roots) VALUES (?, ?) RETURNING id`;
const FINISH = `UPDATE scans SET ended_at = @endedAt, outcome = @outcome, new = @new, modified = @modified, moved = @moved,
    deleted = @deleted, unchanged = @unchanged, offline = @offline, settling = @settling, errors = @errors, note = @note
  WHERE id = @id AND outcome = 'running'`;
// Only one writer runs at a time (the lock), so a row still 'running' when a scan starts is a crashed run.
const FAIL_STALE = `UPDATE scans SET outcome = 'failed', ended_at = ?, note = 'the process ended before the scan finished'
  WHERE outcome = 'running'`;
const RECENT = `SELECT ${COLUMNS} FROM scans ORDER BY id DESC LIMIT ?`;

/** One row per `indexer scan` run. */
export function scansCatalog(db: Db) {
  return {
    start(roots: string[], now: number): number {
      statement(db, FAIL_STALE).run(now);
      return statement(db, START).pluck().get(now, JSON.stringify(roots)) as number;
    },
    finish(id: number, outcome: Exclude<ScanOutcome, 'running'>, counts: ScanCounts, note: string | null, now: number): void {
      const { sidecars: _unused, ...stored } = counts;
      statement(db, FINISH).run({ id, outcome, endedAt: now, note: storableTextOrNull(note), ...stored });
    },
    recent(limit: number): ScanRow[] {
      return statement(db, RECENT).all(limit).map(toScan);
    },
  };
}
