/**
 * Task state transitions. Each is one statement guarded by the state it expects (and, for a running task, by the
 * lease of the run that claimed it), so a stale runner can never overwrite a newer outcome.
 */
import type { Db } from './open.js';
import { statement } from './statements.js';
import type { TaskFile } from '../types.js';

/** A claimed task with what the worker needs to know about its file. */
export interface ClaimedTask extends TaskFile {
  id: number;
  stage: string;
  attempts: number;
  maxAttempts: number;
  fingerprint: string;
}

export interface Lease {
  runId: number;
  pid: number;
}

export interface ClaimRequest extends Lease {
  /** Stages the caller may run now (not paused, in the lane being filled). */
  stages: string[];
  limit: number;
  now: number;
  leaseMs: number;
  /** Claim only tasks whose previous owner died while running them (they run alone), or only the others. */
  suspect: boolean;
}

/** Prepared statements bound to one catalog connection (a context object, not a module singleton). */
export class TaskStore {
  private readonly select;
  private readonly take;
  private readonly finish;
  private readonly later;
  private readonly releaseStmt;
  private readonly beat;
  private readonly claimTx;

  constructor(private readonly db: Db) {
    // One stage per query: the partial index (stage, priority, id) then yields rows in order, no sort of the backlog.
    this.select = db.prepare(
      `SELECT t.id, t.priority, t.file_id AS fileId, t.stage, t.attempts, t.max_attempts AS maxAttempts, t.fingerprint,
              f.path, f.kind, f.ext, f.size, f.mtime_ms AS mtimeMs, ifnull(f.identity, '') AS identity,
              f.sidecar_path AS sidecarPath
       FROM tasks t JOIN files f ON f.id = t.file_id
       WHERE t.state = 'pending' AND t.suspect = @suspect AND t.run_after <= @now AND f.state = 'present'
         AND t.stage = @stage
         AND NOT EXISTS (SELECT 1 FROM task_deps x JOIN tasks p ON p.id = x.dep_id
                         WHERE x.task_id = t.id AND p.state NOT IN ('done', 'skipped'))
       ORDER BY t.priority, t.id LIMIT @limit`,
    );
    this.take = db.prepare(
      `UPDATE tasks SET state = 'running', attempts = attempts + 1, lease_run = @runId, lease_pid = @pid,
         lease_expires = @expires, started_at = @now, updated_at = @now
       WHERE id = @id AND state = 'pending'`,
    );
    // done | failed | skipped: the end of a task's life until its fingerprint changes or `retry`.
    this.finish = db.prepare(
      `UPDATE tasks SET state = @state, reason = @reason, last_error = coalesce(@error, last_error), suspect = 0,
         lease_run = NULL, lease_pid = NULL, lease_expires = NULL, finished_at = @now, updated_at = @now
       WHERE id = @id AND state = 'running' AND lease_run = @runId`,
    );
    this.later = db.prepare(
      `UPDATE tasks SET state = 'pending', last_error = @error, run_after = @runAfter, suspect = @suspect,
         lease_run = NULL, lease_pid = NULL, lease_expires = NULL, updated_at = @now
       WHERE id = @id AND state = 'running' AND lease_run = @runId`,
    );
    this.releaseStmt = db.prepare(
      `UPDATE tasks SET state = 'pending', attempts = max(attempts - @refund, 0), run_after = max(run_after, @runAfter),
         lease_run = NULL, lease_pid = NULL, lease_expires = NULL, updated_at = @now
       WHERE id = @id AND state = 'running' AND lease_run = @runId`,
    );
    this.claimTx = db.transaction((req: ClaimRequest) => this.claimRows(req));
    this.beat = db.prepare(`UPDATE tasks SET lease_expires = @expires WHERE state = 'running' AND lease_run = @runId`);
  }

  /** Claims up to `limit` runnable tasks, best priority first; attempts are counted here. */
  claim(req: ClaimRequest): ClaimedTask[] {
    if (req.stages.length === 0 || req.limit <= 0) return [];
    return this.claimTx.immediate(req);
  }

  private claimRows(req: ClaimRequest): ClaimedTask[] {
    const rows: (ClaimedTask & { priority: number })[] = [];
    for (const stage of req.stages) {
      const params = { suspect: req.suspect ? 1 : 0, now: req.now, stage, limit: req.limit };
      rows.push(...(this.select.all(params) as (ClaimedTask & { priority: number })[]));
    }
    // Several stages (one lane): a file's tasks side by side, so its small tasks travel in one worker batch and
    // share one read of the file (exif and xmp). Within a stage, rows keep their id order.
    if (req.stages.length > 1) rows.sort((a, b) => a.priority - b.priority || a.fileId - b.fileId || a.id - b.id);
    const taken: ClaimedTask[] = [];
    for (const { priority: _p, ...row } of rows.slice(0, req.limit)) {
      const ok = this.take.run({ id: row.id, runId: req.runId, pid: req.pid, expires: req.now + req.leaseMs, now: req.now });
      if (ok.changes === 1) taken.push({ ...row, attempts: row.attempts + 1 });
    }
    return taken;
  }

  /** Marks a task done/skipped/failed for good. False when the lease was lost (the row is not ours any more). */
  end(id: number, runId: number, state: 'done' | 'skipped' | 'failed', now: number, reason: string | null = null): boolean {
    const error = state === 'failed' ? reason : null;
    return this.finish.run({ id, runId, state, reason, error, now }).changes === 1;
  }

  /** A failure with attempts left: back to pending, not before `runAfter`; a `suspect` runs alone (isolated) again. */
  retryLater(id: number, runId: number, error: string, runAfter: number, now: number, suspect = false): boolean {
    return this.later.run({ id, runId, error, runAfter, now, suspect: suspect ? 1 : 0 }).changes === 1;
  }

  /**
   * Hands an unfinished task back to pending (interrupt, stage paused, file gone); `refund` gives its attempt back;
   * it is not claimed again before `runAfter`.
   */
  release(id: number, runId: number, now: number, refund: boolean, runAfter = 0): boolean {
    return this.releaseStmt.run({ id, runId, now, refund: refund ? 1 : 0, runAfter }).changes === 1;
  }

  /**
   * Hands every task this run still holds back to pending with its attempt, when the run cannot go on (its catalog's
   * disk is full): a few rows rewritten in place, which usually still fits where the failed transaction did not.
   */
  releaseRun(runId: number, now: number): number {
    return this.db
      .prepare(
        `UPDATE tasks SET state = 'pending', attempts = max(attempts - 1, 0),
           lease_run = NULL, lease_pid = NULL, lease_expires = NULL, updated_at = @now
         WHERE state = 'running' AND lease_run = @runId`,
      )
      .run({ runId, now }).changes;
  }

  /** Renews the lease of every task this run holds. */
  heartbeat(runId: number, expires: number): void {
    this.beat.run({ runId, expires });
  }

  /** Owners (run, pid) of running tasks, with their latest lease expiry. */
  leaseOwners(): { runId: number; pid: number; expires: number }[] {
    return this.db
      .prepare(
        `SELECT lease_run AS runId, lease_pid AS pid, max(lease_expires) AS expires
         FROM tasks WHERE state = 'running' GROUP BY lease_run, lease_pid`,
      )
      .all() as { runId: number; pid: number; expires: number }[];
  }

  /**
   * Returns to pending the running tasks of a dead owner, with their attempt back. Nothing tells how the owner died:
   * killed from outside (a user, a cron timeout, the OOM killer picking it) proves nothing against its tasks. They
   * become suspects instead: each then runs alone in a process of its own (tasks/isolated.ts), which shows whether
   * it brings a process down by itself, and only that is charged. (`quarantined` stays for the callers' counts.)
   */
  recoverOwner(owner: Lease, now: number): { recovered: number; quarantined: number } {
    return this.db.transaction(() => {
      const recovered = this.db
        .prepare(
          `UPDATE tasks SET state = 'pending', suspect = 1, attempts = max(attempts - 1, 0),
             last_error = 'the process died while running this task',
             lease_run = NULL, lease_pid = NULL, lease_expires = NULL, updated_at = @now
           WHERE state = 'running' AND lease_run IS @runId AND lease_pid IS @pid`,
        )
        .run({ ...owner, now }).changes;
      return { recovered, quarantined: 0 };
    }).immediate();
  }

  /** Earliest run_after still in the future among pending tasks of these stages (to sleep through a backoff), or null. */
  nextRunAfter(stages: string[], now: number): number | null {
    const row = this.db
      .prepare(
        `SELECT min(t.run_after) AS at FROM tasks t JOIN files f ON f.id = t.file_id
         WHERE t.state = 'pending' AND t.run_after > @now AND f.state = 'present'
           AND t.stage IN (SELECT value FROM json_each(@stages))`,
      )
      .get({ stages: JSON.stringify(stages), now }) as { at: number | null };
    return row.at;
  }

  /** Pending tasks of these stages, per stage (what is left). */
  pendingByStage(stages: string[]): Record<string, number> {
    const rows = this.db
      .prepare(
        `SELECT stage, count(*) AS n FROM tasks WHERE state = 'pending'
         AND stage IN (SELECT value FROM json_each(@stages)) GROUP BY stage`,
      )
      .all({ stages: JSON.stringify(stages) }) as { stage: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.stage, r.n]));
  }
}

/** `indexer retry`: failed (and, if asked, canceled) tasks back to pending with fresh attempts. */
export function rearmFailed(db: Db, opts: { stage?: string; canceled?: boolean; now: number }): number {
  const states = opts.canceled ? ['failed', 'canceled'] : ['failed'];
  return db.transaction(() => {
    const rearmed = db
      .prepare(
        `UPDATE tasks SET state = 'pending', attempts = 0, run_after = 0, suspect = 0, reason = NULL, updated_at = @now
         WHERE state IN (SELECT value FROM json_each(@states)) AND (@stage IS NULL OR stage = @stage)`,
      )
      .run({ states: JSON.stringify(states), stage: opts.stage ?? null, now: opts.now }).changes;
    // Tasks skipped because this file's task of a stage they depend on failed run again once that task is re-armed.
    db.prepare(
      `UPDATE tasks SET state = 'pending', reason = NULL, updated_at = @now
       WHERE state = 'skipped' AND reason LIKE '${DEPENDENCY_FAILED}%'
         AND NOT EXISTS (SELECT 1 FROM tasks d WHERE d.file_id = tasks.file_id AND d.state = 'failed'
                         AND tasks.reason = '${DEPENDENCY_FAILED}' || d.stage)`,
    ).run({ now: opts.now });
    return rearmed;
  })();
}

/** Reason prefix of a task skipped because a stage it depends on failed for good on the same file (then its name). */
export const DEPENDENCY_FAILED = 'not run, this file failed: ';

/**
 * A task that failed for good ends its file's pending tasks of the stages that depend on it (a broken video's clip
 * task): they could never run, so they are skipped with a reason naming the stage, not left pending forever.
 * `indexer retry` re-arms them with the failed task (rearmFailed); a changed file re-plans them anyway.
 */
export function skipDependents(db: Db, fileId: number, failedStage: string, dependents: readonly string[], now: number): number {
  if (dependents.length === 0) return 0;
  return statement(
    db,
    `UPDATE tasks SET state = 'skipped', reason = @reason, updated_at = @now, finished_at = @now
     WHERE file_id = @fileId AND state = 'pending' AND stage IN (SELECT value FROM json_each(@stages))`,
  ).run({ fileId, reason: DEPENDENCY_FAILED + failedStage, stages: JSON.stringify(dependents), now }).changes;
}

/** `indexer cancel`: pending tasks (of a stage, under some paths) become canceled. */
export function cancelPending(db: Db, opts: { stage?: string; paths: string[]; now: number }): number {
  return db
    .prepare(
      `UPDATE tasks SET state = 'canceled', reason = 'canceled by the user', updated_at = @now
       WHERE state = 'pending' AND (@stage IS NULL OR stage = @stage)
         AND (@all = 1 OR file_id IN (
           SELECT f.id FROM files f, json_each(@paths) p
           WHERE f.path = p.value OR substr(f.path, 1, length(p.value) + 1) = p.value || '/'))`,
    )
    .run({ stage: opts.stage ?? null, paths: JSON.stringify(opts.paths), all: opts.paths.length === 0 ? 1 : 0, now: opts.now })
    .changes;
}
