/**
 * Planning: turns the files table into task rows in bulk SQL at the start of every phase 2, so phase 1 never has to
 * know about tasks. One row per (file, stage); a change of fingerprint re-arms the existing row (coalescing).
 */
import type { Db, Dialect } from './sql.js';
import { statement } from './statements.js';
import { bothDialects, idList, least, textList, type DialectSql } from './dialect.js';
import { sqlStates } from './task-state.js';
import { PLAN_LOCK_KEY } from './pg/lock-keys.js';

/**
 * Called first inside a planning transaction: on PostgreSQL, planners (workers on any host, a scan) take turns until
 * commit. Without it two of them could deadlock: each inserts and re-arms rows of the stages it runs, in its own
 * order (a worker with --stages exif,thumbnail meets one with thumbnail alone on the same (file, stage) keys), and
 * PostgreSQL aborts one of them. The unique (file, stage) key alone already keeps rows from being planned twice.
 * SQLite needs nothing: its writer lock lets one planner in at a time.
 */
export function lockPlanning(db: Db): void {
  if (db.dialect === 'postgres') statement(db, 'SELECT pg_advisory_xact_lock(?)').run(PLAN_LOCK_KEY);
}

/** What the planner needs to know about one stage (decided on the main thread from its definition). */
export interface StagePlan {
  stage: string;
  /** Appended to size:mtime: ':v<version>' and ':m<model>' when the stage depends on a model. */
  fingerprintSuffix: string;
  /** The sidecar's size and mtime are part of the fingerprint (xmp). */
  sidecar: boolean;
  /** 'kind/ext' keys the stage accepts. */
  accepted: string[];
  /** 'kind/ext' keys it does not, with the reason they are skipped. */
  rejected: { key: string; reason: string }[];
  maxAttempts: number;
  /** Priority given to the tasks this planning creates or re-arms. */
  priority: number;
  /** Plan only these files (a file found changed during phase 2); every present file when absent. */
  fileIds?: number[];
}

export interface PlanCounts {
  /** New pending rows. */
  planned: number;
  /** Finished (or canceled) rows made pending again because their fingerprint changed. */
  rearmed: number;
  /** Pending rows whose file changed again before they ran: updated in place, not duplicated. */
  coalesced: number;
  /** Rows written as skipped (format not handled). */
  skipped: number;
}

/** The fingerprint a task of this stage is planned for, from its file's row `f` (must match what workers see). */
function fingerprintSql(sidecar: boolean): string {
  const extra = sidecar
    ? ` || ':' || coalesce(CAST(f.sidecar_size AS TEXT), '-') || ':' || coalesce(CAST(f.sidecar_mtime_ms AS TEXT), '-')`
    : '';
  return `(f.size || ':' || f.mtime_ms${extra} || @suffix)`;
}

/** The planning statements of a stage with or without the sidecar in its fingerprint, per dialect. */
interface PlanSql {
  coalesce: DialectSql;
  rearm: DialectSql;
  insert: DialectSql;
  skipExisting: DialectSql;
  insertSkipped: DialectSql;
}

function planSql(sidecar: boolean): PlanSql {
  const fp = fingerprintSql(sidecar);
  const onlyFiles = (d: Dialect) => `(CAST(@files AS TEXT) IS NULL OR f.id IN ${idList(d, '@files')})`;
  const acceptedFile = (d: Dialect) =>
    `f.state = 'present' AND (f.kind || '/' || f.ext) IN ${textList(d, '@accepted')} AND ${onlyFiles(d)}`;
  const rejectedFile = (d: Dialect) => `f.state = 'present' AND (f.kind || '/' || f.ext) = @key AND ${onlyFiles(d)}`;
  return {
    coalesce: bothDialects(
      (d) => `UPDATE tasks SET fingerprint = ${fp}, rearms = rearms + 1, max_attempts = @maxAttempts,
        priority = ${least(d, 'priority', '@priority')}, updated_at = @now
      FROM files f
      WHERE f.id = tasks.file_id AND tasks.stage = @stage AND tasks.state = 'pending'
        AND ${acceptedFile(d)} AND tasks.fingerprint <> ${fp}`,
    ),
    rearm: bothDialects(
      (d) => `UPDATE tasks SET state = 'pending', fingerprint = ${fp}, attempts = 0, run_after = 0, suspect = 0, reason = NULL,
        rearms = rearms + 1, max_attempts = @maxAttempts, priority = @priority, updated_at = @now
      FROM files f
      WHERE f.id = tasks.file_id AND tasks.stage = @stage AND ${acceptedFile(d)}
        AND ((tasks.state IN (${sqlStates('done', 'failed', 'skipped', 'canceled')}) AND tasks.fingerprint <> ${fp})
             OR (tasks.state = 'canceled' AND tasks.reason = 'file deleted'))`,
    ),
    insert: bothDialects(
      (d) => `INSERT INTO tasks (file_id, stage, state, fingerprint, priority, max_attempts, created_at, updated_at)
      SELECT f.id, @stage, 'pending', ${fp}, @priority, @maxAttempts, @now, @now
      FROM files f WHERE ${acceptedFile(d)}
      ON CONFLICT (file_id, stage) DO NOTHING`,
    ),
    skipExisting: bothDialects(
      (d) => `UPDATE tasks SET state = 'skipped', reason = @reason, fingerprint = ${fp}, updated_at = @now, finished_at = @now
      FROM files f
      WHERE f.id = tasks.file_id AND tasks.stage = @stage AND ${rejectedFile(d)}
        AND tasks.state <> 'running' AND (tasks.state <> 'skipped' OR tasks.fingerprint <> ${fp})`,
    ),
    insertSkipped: bothDialects(
      (d) => `INSERT INTO tasks (file_id, stage, state, fingerprint, reason, max_attempts, created_at, updated_at, finished_at)
      SELECT f.id, @stage, 'skipped', ${fp}, @reason, @maxAttempts, @now, @now, @now
      FROM files f WHERE ${rejectedFile(d)}
      ON CONFLICT (file_id, stage) DO NOTHING`,
    ),
  };
}

const PLAN_SQL = { plain: planSql(false), sidecar: planSql(true) };

/** Plans one stage over every present file. Run inside a transaction. */
export function planStage(db: Db, plan: StagePlan, now: number): PlanCounts {
  const sql = plan.sidecar ? PLAN_SQL.sidecar : PLAN_SQL.plain;
  const files = plan.fileIds ? JSON.stringify(plan.fileIds) : null;
  const params = {
    stage: plan.stage,
    suffix: plan.fingerprintSuffix,
    accepted: JSON.stringify(plan.accepted),
    maxAttempts: plan.maxAttempts,
    priority: plan.priority,
    files,
    now,
  };
  const coalesced = statement(db, sql.coalesce).run(params).changes;
  const rearmed = statement(db, sql.rearm).run(params).changes;
  const planned = statement(db, sql.insert).run(params).changes;
  let skipped = 0;
  for (const r of plan.rejected) {
    const rp = { stage: plan.stage, suffix: plan.fingerprintSuffix, key: r.key, reason: r.reason, maxAttempts: plan.maxAttempts, files, now };
    skipped += statement(db, sql.skipExisting).run(rp).changes;
    skipped += statement(db, sql.insertSkipped).run(rp).changes;
  }
  return { planned, rearmed, coalesced, skipped };
}

const PLAN_DEPENDENCY = `INSERT INTO task_deps (task_id, dep_id)
  SELECT t.id, d.id FROM tasks t JOIN tasks d ON d.file_id = t.file_id AND d.stage = @dependsOn
  WHERE t.stage = @stage AND t.state = 'pending'
  ON CONFLICT DO NOTHING`;

/** Records, for every pending task of `stage`, the task of `dependsOn` for the same file it must wait for. */
export function planDependency(db: Db, stage: string, dependsOn: string): void {
  statement(db, PLAN_DEPENDENCY).run({ stage, dependsOn });
}

const CANCEL_OF_DELETED = `UPDATE tasks SET state = 'canceled', reason = 'file deleted', updated_at = @now
  WHERE state = 'pending' AND file_id IN (SELECT id FROM files WHERE state = 'deleted')`;

/** Pending tasks of deleted files will never be needed: cancel them. Offline files' tasks just wait. */
export function cancelTasksOfDeletedFiles(db: Db, now: number): number {
  return statement(db, CANCEL_OF_DELETED).run({ now }).changes;
}

const PRIORITIZE_ROOTS = bothDialects(
  (d) => `UPDATE tasks SET priority = @priority, updated_at = @now
  WHERE state = 'pending' AND priority <> @priority
    AND file_id IN (SELECT id FROM files WHERE root_id IN ${idList(d, '@roots')})`,
);

/** `scan ROOT --priority high`: the pending tasks of the roots just scanned go ahead of the backlog. */
export function prioritizeRoots(db: Db, rootIds: number[], priority: number, now: number): number {
  return statement(db, PRIORITIZE_ROOTS).run({ priority, now, roots: JSON.stringify(rootIds) }).changes;
}

const PRESENT_KINDS = `SELECT DISTINCT kind, ext FROM files WHERE state = 'present'`;

/** Distinct (kind, ext) pairs of present files: the planner asks each stage's accepts() once per pair. */
export function presentKinds(db: Db): { kind: string; ext: string }[] {
  return statement(db, PRESENT_KINDS).all() as { kind: string; ext: string }[];
}
