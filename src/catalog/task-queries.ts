/** Read-only task queries for `status`, `status --failed` and `info`. */
import type { Db } from './sql.js';
import { statement } from './statements.js';
import { tableExists } from './dialect.js';
import { TASK_STATES, sqlStates, type TaskState } from './task-state.js';

const STAGE_COUNTS = `SELECT stage, state, count(*) AS n FROM tasks GROUP BY stage, state ORDER BY stage`;

// Few files are not present: this walks them (files_not_present), not the task table.
const FAILED_OF_DELETED = `SELECT t.stage, count(*) AS n FROM files f JOIN tasks t ON t.file_id = f.id
  WHERE f.state = 'deleted' AND t.state = 'failed' GROUP BY t.stage`;

/**
 * stage -> state -> count, every state present (zero when none). A deleted file's failed task is not counted: the
 * file is gone, nothing is left to fix or retry.
 */
export function stageCounts(db: Db): Record<string, Record<TaskState, number>> {
  const rows = statement(db, STAGE_COUNTS).all() as { stage: string; state: TaskState; n: number }[];
  const out: Record<string, Record<TaskState, number>> = {};
  for (const r of rows) {
    out[r.stage] ??= Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
    out[r.stage]![r.state] = r.n;
  }
  for (const g of statement(db, FAILED_OF_DELETED).all() as { stage: string; n: number }[]) {
    if (out[g.stage]) out[g.stage]!.failed = Math.max(0, out[g.stage]!.failed - g.n);
  }
  return out;
}

/** A pending task some dependency of which failed or was canceled: it cannot run until `retry`. */
const BLOCKED = `EXISTS (SELECT 1 FROM task_deps x JOIN tasks p ON p.id = x.dep_id
  WHERE x.task_id = t.id AND p.state IN (${sqlStates('failed', 'canceled')}))`;

const OFFLINE_PENDING = `SELECT t.stage, count(*) AS n FROM files f JOIN tasks t ON t.file_id = f.id
  WHERE f.state <> 'present' AND t.state = 'pending' AND NOT ${BLOCKED}
  GROUP BY t.stage`;

/** Pending tasks of files that are offline (their root is unmounted): they wait for the root, per stage. */
export function offlinePendingByStage(db: Db): Record<string, number> {
  const rows = statement(db, OFFLINE_PENDING).all() as { stage: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.stage, r.n]));
}

const TOP_FAILURES = `SELECT stage, reason, count(*) AS count FROM (
    SELECT t.stage, replace(coalesce(t.reason, 'unknown'), f.path || ': ', '') AS reason
    FROM tasks t JOIN files f ON f.id = t.file_id WHERE t.state = 'failed' AND f.state <> 'deleted') AS failures
  GROUP BY stage, reason ORDER BY count DESC, stage LIMIT ?`;

/** The most common failure reasons (the file's own path taken out, so one cause on many files counts once). */
export function topFailures(db: Db, limit: number): { stage: string; reason: string; count: number }[] {
  return statement(db, TOP_FAILURES).all(limit) as { stage: string; reason: string; count: number }[];
}

const FAILED_TASKS = `SELECT f.path, t.stage, coalesce(t.reason, 'unknown') AS reason, t.attempts
  FROM tasks t JOIN files f ON f.id = t.file_id
  WHERE t.state = 'failed' AND f.state <> 'deleted' ORDER BY f.path, t.stage`;

export function failedTasks(db: Db): { path: string; stage: string; reason: string; attempts: number }[] {
  return statement(db, FAILED_TASKS).all() as { path: string; stage: string; reason: string; attempts: number }[];
}

const FILE_TASKS = `SELECT stage, state, reason, attempts, updated_at AS "updatedAt" FROM tasks WHERE file_id = ? ORDER BY stage`;

export function fileTasks(
  db: Db,
  fileId: number,
): { stage: string; state: TaskState; reason: string | null; attempts: number; updatedAt: number | null }[] {
  return statement(db, FILE_TASKS).all(fileId) as {
    stage: string;
    state: TaskState;
    reason: string | null;
    attempts: number;
    updatedAt: number | null;
  }[];
}

/** Whether the task tables exist (a read-only status on a catalog from before them). */
export function hasTaskTables(db: Db): boolean {
  return tableExists(db, 'tasks');
}

const BLOCKED_BY_STAGE = `SELECT t.stage, count(*) AS n FROM tasks t WHERE t.state = 'pending' AND ${BLOCKED} GROUP BY t.stage`;

/** Pending tasks that cannot run because a task they depend on failed or was canceled, per stage. */
export function blockedByStage(db: Db): Record<string, number> {
  const rows = statement(db, BLOCKED_BY_STAGE).all() as { stage: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.stage, r.n]));
}
