/** Read-only task queries for `status`, `status --failed` and `info`. */
import type { Db } from './open.js';

const taskStates = ['pending', 'running', 'done', 'failed', 'skipped', 'canceled'] as const;

/**
 * stage -> state -> count, every state present (zero when none). A deleted file's failed task is not counted: the
 * file is gone, nothing is left to fix or retry.
 */
export function stageCounts(db: Db): Record<string, Record<string, number>> {
  const rows = db.prepare(`SELECT stage, state, count(*) AS n FROM tasks GROUP BY stage, state ORDER BY stage`).all() as {
    stage: string;
    state: string;
    n: number;
  }[];
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) {
    out[r.stage] ??= Object.fromEntries(taskStates.map((s) => [s, 0]));
    out[r.stage]![r.state] = r.n;
  }
  // Few files are not present: this walks them (files_not_present), not the task table.
  const gone = db
    .prepare(
      `SELECT t.stage, count(*) AS n FROM files f JOIN tasks t ON t.file_id = f.id
       WHERE f.state = 'deleted' AND t.state = 'failed' GROUP BY t.stage`,
    )
    .all() as { stage: string; n: number }[];
  for (const g of gone) if (out[g.stage]) out[g.stage]!.failed = Math.max(0, out[g.stage]!.failed! - g.n);
  return out;
}

/** Pending tasks of files that are offline (their root is unmounted): they wait for the root, per stage. */
export function offlinePendingByStage(db: Db): Record<string, number> {
  const rows = db
    .prepare(
      `SELECT t.stage, count(*) AS n FROM files f JOIN tasks t ON t.file_id = f.id
       WHERE f.state <> 'present' AND t.state = 'pending'
         AND NOT EXISTS (SELECT 1 FROM task_deps x JOIN tasks p ON p.id = x.dep_id
                         WHERE x.task_id = t.id AND p.state IN ('failed', 'canceled'))
       GROUP BY t.stage`,
    )
    .all() as { stage: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.stage, r.n]));
}

/** The most common failure reasons (the file's own path taken out, so one cause on many files counts once). */
export function topFailures(db: Db, limit: number): { stage: string; reason: string; count: number }[] {
  return db
    .prepare(
      `SELECT stage, reason, count(*) AS count FROM (
         SELECT t.stage, replace(ifnull(t.reason, 'unknown'), f.path || ': ', '') AS reason
         FROM tasks t JOIN files f ON f.id = t.file_id WHERE t.state = 'failed' AND f.state <> 'deleted')
       GROUP BY stage, reason ORDER BY count DESC, stage LIMIT ?`,
    )
    .all(limit) as { stage: string; reason: string; count: number }[];
}

export function failedTasks(db: Db): { path: string; stage: string; reason: string; attempts: number }[] {
  return db
    .prepare(
      `SELECT f.path, t.stage, ifnull(t.reason, 'unknown') AS reason, t.attempts FROM tasks t JOIN files f ON f.id = t.file_id
       WHERE t.state = 'failed' AND f.state <> 'deleted' ORDER BY f.path, t.stage`,
    )
    .all() as { path: string; stage: string; reason: string; attempts: number }[];
}

export function fileTasks(
  db: Db,
  fileId: number,
): { stage: string; state: string; reason: string | null; attempts: number; updatedAt: number | null }[] {
  return db
    .prepare(
      `SELECT stage, state, reason, attempts, updated_at AS updatedAt FROM tasks WHERE file_id = ? ORDER BY stage`,
    )
    .all(fileId) as { stage: string; state: string; reason: string | null; attempts: number; updatedAt: number | null }[];
}

/** Whether the task tables exist (a read-only status on a catalog from before them). */
export function hasTaskTables(db: Db): boolean {
  return !!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tasks'`).get();
}

/** Pending tasks that cannot run because a task they depend on failed or was canceled, per stage. */
export function blockedByStage(db: Db): Record<string, number> {
  const rows = db
    .prepare(
      `SELECT t.stage, count(*) AS n FROM tasks t
       WHERE t.state = 'pending' AND EXISTS (SELECT 1 FROM task_deps x JOIN tasks p ON p.id = x.dep_id
                                              WHERE x.task_id = t.id AND p.state IN ('failed', 'canceled'))
       GROUP BY t.stage`,
    )
    .all() as { stage: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.stage, r.n]));
}
