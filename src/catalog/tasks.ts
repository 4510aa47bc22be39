/**
 * Task state transitions. Each is one statement guarded by the state it expects (and, for a running task, by the
 * lease of the run that claimed it), so a stale runner can never overwrite a newer outcome.
 */
import { announceNewTasks } from './notify.js';
import { deferWrites, type Db, type Dialect } from './sql.js';
import { statement } from './statements.js';
import { bothDialects, greatest, idList, jsonTable, same, textList } from './dialect.js';
import { sqlStates, type FinishedState, type TaskState } from './task-state.js';
import type { TaskFile } from '../types.js';
import { storableText, storableTextOrNull } from './text.js';

export type { TaskState, FinishedState } from './task-state.js';

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

/** A holder of running tasks: its run, pid, the host that run started on (null for runs from before hosts were kept). */
export interface LeaseOwner extends Lease {
  host: string | null;
  /** Its latest lease expiry. */
  expires: number;
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

/** The columns a claim hands the worker, from tasks `t` and files `f`. */
const claimColumns = (t: string, f: string) =>
  `${t}.id, ${t}.priority, ${t}.file_id AS "fileId", ${t}.stage, ${t}.attempts, ${t}.max_attempts AS "maxAttempts",
   ${t}.fingerprint, ${f}.path, ${f}.kind, ${f}.ext, ${f}.size, ${f}.mtime_ms AS "mtimeMs",
   coalesce(${f}.identity, '') AS identity, ${f}.sidecar_path AS "sidecarPath"`;

/** Task `t`'s dependencies are all finished (done or skipped): it may run. */
export const DEPENDENCIES_FINISHED = `NOT EXISTS (SELECT 1 FROM task_deps x JOIN tasks p ON p.id = x.dep_id
  WHERE x.task_id = t.id AND p.state NOT IN (${sqlStates('done', 'skipped')}))`;

/** Runnable tasks of one stage: pending, due, file present, every dependency finished. */
const RUNNABLE = `t.state = 'pending' AND t.suspect = @suspect AND t.run_after <= @now AND f.state = 'present'
  AND t.stage = @stage AND ${DEPENDENCIES_FINISHED}`;

/** The claim's first half on SQLite (one writer at a time): candidates in order. */
// One stage per query: the partial index (stage, priority, id) then yields rows in order, no sort of the backlog.
const CANDIDATES = `SELECT ${claimColumns('t', 'f')} FROM tasks t JOIN files f ON f.id = t.file_id
  WHERE ${RUNNABLE} ORDER BY t.priority, t.id LIMIT @limit`;

/** Its second half, one row at a time: attempts are counted here. */
const TAKE = `UPDATE tasks SET state = 'running', attempts = attempts + 1, lease_run = @runId, lease_pid = @pid,
    lease_expires = @expires, started_at = @now, updated_at = @now
  WHERE id = @id AND state = 'pending'`;

/**
 * The claim on PostgreSQL, where many workers claim at once: one statement that locks the candidates it takes and
 * skips those another worker holds (SKIP LOCKED), so claims never wait on each other nor take a task twice.
 * RETURNING gives attempts as counted by this claim. The candidates come as an array (`= ANY(ARRAY(...))`): the
 * update then looks each one up by its key, where a join with the subquery let the planner scan the whole table.
 */
const CLAIM_PG = `UPDATE tasks AS u SET state = 'running', attempts = u.attempts + 1, lease_run = @runId, lease_pid = @pid,
    lease_expires = @expires, started_at = @now, updated_at = @now
  FROM files f
  WHERE f.id = u.file_id AND u.state = 'pending' AND u.id = ANY(ARRAY(
    SELECT t.id FROM tasks t JOIN files f ON f.id = t.file_id
    WHERE ${RUNNABLE} ORDER BY t.priority, t.id LIMIT @limit
    FOR UPDATE OF t SKIP LOCKED))
  RETURNING ${claimColumns('u', 'f')}`;

/** Fields a transition clears when its task stops running. */
const NO_LEASE = `lease_run = NULL, lease_pid = NULL, lease_expires = NULL`;
const MINE = `state = 'running' AND lease_run = @runId`;

// done | failed | skipped: the end of a task's life until its fingerprint changes or `retry`.
const FINISH = `UPDATE tasks SET state = @state, reason = @reason, last_error = coalesce(@error, last_error), suspect = 0,
    ${NO_LEASE}, finished_at = @now, updated_at = @now
  WHERE id = @id AND ${MINE}`;

/** FINISH for many tasks in one statement: RETURNING says which were still ours. */
const FINISH_MANY = bothDialects(
  (d) => `UPDATE tasks SET state = @state, reason = NULL, suspect = 0, ${NO_LEASE}, finished_at = @now, updated_at = @now
  WHERE id IN ${idList(d, '@ids')} AND ${MINE} RETURNING id`,
);

const LATER = `UPDATE tasks SET state = 'pending', last_error = @error, run_after = @runAfter, suspect = @suspect,
    ${NO_LEASE}, updated_at = @now
  WHERE id = @id AND ${MINE}`;

const RELEASE = bothDialects(
  (d) => `UPDATE tasks SET state = 'pending', attempts = ${greatest(d, 'attempts - @refund', '0')},
    run_after = ${greatest(d, 'run_after', '@runAfter')}, ${NO_LEASE}, updated_at = @now
  WHERE id = @id AND ${MINE}`,
);

const RELEASE_RUN = bothDialects(
  (d) => `UPDATE tasks SET state = 'pending', attempts = ${greatest(d, 'attempts - 1', '0')}, ${NO_LEASE}, updated_at = @now
  WHERE ${MINE}`,
);

const HEARTBEAT = `UPDATE tasks SET lease_expires = @expires WHERE ${MINE}`;

const LEASE_OWNERS = `SELECT t.lease_run AS "runId", t.lease_pid AS pid, r.host, max(t.lease_expires) AS expires
  FROM tasks t LEFT JOIN runs r ON r.id = t.lease_run
  WHERE t.state = 'running' GROUP BY t.lease_run, t.lease_pid, r.host`;

const RECOVER_OWNER = bothDialects(
  (d) => `UPDATE tasks SET state = 'pending', suspect = 1, attempts = ${greatest(d, 'attempts - 1', '0')},
    last_error = 'the process died while running this task', ${NO_LEASE}, updated_at = @now
  WHERE state = 'running' AND ${same(d, 'lease_run', '@runId')} AND ${same(d, 'lease_pid', '@pid')}`,
);

const NEXT_RUN_AFTER = bothDialects(
  (d) => `SELECT min(t.run_after) AS at FROM tasks t JOIN files f ON f.id = t.file_id
  WHERE t.state = 'pending' AND t.run_after > @now AND f.state = 'present' AND t.stage IN ${textList(d, '@stages')}`,
);

const PENDING_BY_STAGE = bothDialects(
  (d) => `SELECT stage, count(*) AS n FROM tasks WHERE state = 'pending' AND stage IN ${textList(d, '@stages')} GROUP BY stage`,
);

type CandidateRow = ClaimedTask & { priority: number };

/** Task transitions on one catalog connection; its statements come from the connection's cache (statements.ts). */
export class TaskStore {
  private readonly claimTx;

  constructor(private readonly db: Db) {
    this.claimTx = db.transaction((req: ClaimRequest) => (db.dialect === 'sqlite' ? claimSqlite(db, req) : claimPostgres(db, req)));
  }

  /** Claims up to `limit` runnable tasks, best priority first; attempts are counted here. */
  claim(req: ClaimRequest): ClaimedTask[] {
    if (req.stages.length === 0 || req.limit <= 0) return [];
    // On PostgreSQL one stage is one statement, atomic by itself: BEGIN and COMMIT would be two more round trips.
    if (this.db.dialect === 'postgres' && req.stages.length === 1) return claimPostgres(this.db, req);
    return deferWrites(this.db, () => this.claimTx.immediate(req));
  }

  /** Marks a task done/skipped/failed for good. False when the lease was lost (the row is not ours any more). */
  end(id: number, runId: number, state: FinishedState, now: number, reason: string | null = null): boolean {
    const stored = storableTextOrNull(reason);
    const error = state === 'failed' ? stored : null;
    return statement(this.db, FINISH).run({ id, runId, state, reason: stored, error, now }).changes === 1;
  }

  /**
   * `end` for many tasks at once, without a reason (done, or skipped/failed with nothing to say): one statement for a
   * whole batch. Returns the ids that were still this run's; the others' leases were lost and they are left alone.
   */
  endAll(ids: readonly number[], runId: number, state: FinishedState, now: number): number[] {
    if (ids.length === 0) return [];
    const rows = statement(this.db, FINISH_MANY).all({ ids: JSON.stringify(ids), runId, state, now }) as { id: number }[];
    return rows.map((r) => r.id);
  }

  /** A failure with attempts left: back to pending, not before `runAfter`; a `suspect` runs alone (isolated) again. */
  retryLater(id: number, runId: number, error: string, runAfter: number, now: number, suspect = false): boolean {
    return statement(this.db, LATER).run({ id, runId, error: storableText(error), runAfter, now, suspect: suspect ? 1 : 0 }).changes === 1;
  }

  /**
   * Hands an unfinished task back to pending (interrupt, stage paused, file gone); `refund` gives its attempt back;
   * it is not claimed again before `runAfter`.
   */
  release(id: number, runId: number, now: number, refund: boolean, runAfter = 0): boolean {
    return statement(this.db, RELEASE).run({ id, runId, now, refund: refund ? 1 : 0, runAfter }).changes === 1;
  }

  /**
   * Hands every task this run still holds back to pending with its attempt, when the run cannot go on (its catalog's
   * disk is full): a few rows rewritten in place, which usually still fits where the failed transaction did not.
   */
  releaseRun(runId: number, now: number): number {
    return statement(this.db, RELEASE_RUN).run({ runId, now }).changes;
  }

  /** Renews the lease of every task this run holds. */
  heartbeat(runId: number, expires: number): void {
    statement(this.db, HEARTBEAT).run({ runId, expires });
  }

  /** Owners (run, pid, host) of running tasks, with their latest lease expiry. */
  leaseOwners(): LeaseOwner[] {
    return statement(this.db, LEASE_OWNERS).all() as LeaseOwner[];
  }

  /**
   * Returns to pending the running tasks of a dead owner, with their attempt back. Nothing tells how the owner died:
   * killed from outside (a user, a cron timeout, the OOM killer picking it) proves nothing against its tasks. They
   * become suspects instead: each then runs alone in a process of its own (tasks/isolated.ts), which shows whether
   * it brings a process down by itself, and only that is charged. (`quarantined` stays for the callers' counts.)
   */
  recoverOwner(owner: Lease, now: number): { recovered: number; quarantined: number } {
    return this.db.transaction(() => {
      const recovered = statement(this.db, RECOVER_OWNER).run({ runId: owner.runId, pid: owner.pid, now }).changes;
      return { recovered, quarantined: 0 };
    }).immediate();
  }

  /** Earliest run_after still in the future among pending tasks of these stages (to sleep through a backoff), or null. */
  nextRunAfter(stages: string[], now: number): number | null {
    const row = statement(this.db, NEXT_RUN_AFTER).get({ stages: JSON.stringify(stages), now }) as { at: number | null };
    return row.at;
  }

  /** Pending tasks of these stages, per stage (what is left). */
  pendingByStage(stages: string[]): Record<string, number> {
    const rows = statement(this.db, PENDING_BY_STAGE).all({ stages: JSON.stringify(stages) }) as { stage: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.stage, r.n]));
  }
}

function claimSqlite(db: Db, req: ClaimRequest): ClaimedTask[] {
  const candidates = statement(db, CANDIDATES);
  const rows: CandidateRow[] = [];
  for (const stage of req.stages) {
    rows.push(...(candidates.all({ suspect: req.suspect ? 1 : 0, now: req.now, stage, limit: req.limit }) as CandidateRow[]));
  }
  if (req.stages.length > 1) rows.sort(claimOrder);
  const take = statement(db, TAKE);
  const taken: ClaimedTask[] = [];
  for (const { priority: _p, ...row } of rows.slice(0, req.limit)) {
    const ok = take.run({ id: row.id, runId: req.runId, pid: req.pid, expires: req.now + req.leaseMs, now: req.now });
    if (ok.changes === 1) taken.push({ ...row, attempts: row.attempts + 1 });
  }
  return taken;
}

/**
 * Each stage claims up to `limit` (the rows are locked as they are taken, so a claim cannot take fewer and hand the
 * rest back); several stages then keep the best `limit` and return the others to pending with their attempt.
 */
function claimPostgres(db: Db, req: ClaimRequest): ClaimedTask[] {
  const claim = statement(db, CLAIM_PG);
  const params = { suspect: req.suspect ? 1 : 0, now: req.now, runId: req.runId, pid: req.pid, expires: req.now + req.leaseMs, limit: req.limit };
  const rows: CandidateRow[] = [];
  for (const stage of req.stages) rows.push(...(claim.all({ ...params, stage }) as CandidateRow[]));
  rows.sort(req.stages.length > 1 ? claimOrder : (a, b) => a.priority - b.priority || a.id - b.id);
  const unclaim = statement(db, UNCLAIM);
  for (const extra of rows.slice(req.limit)) unclaim.run({ id: extra.id, runId: req.runId });
  return rows.slice(0, req.limit).map(({ priority: _p, ...row }) => row);
}

/** Gives back a task a PostgreSQL claim took beyond its limit, as if it had never been claimed. */
const UNCLAIM = `UPDATE tasks SET state = 'pending', attempts = attempts - 1, ${NO_LEASE}
  WHERE id = @id AND ${MINE}`;

/**
 * Several stages (one lane): a file's tasks side by side, so its small tasks travel in one worker batch and share one
 * read of the file (exif and xmp). Within a stage, rows keep their id order.
 */
function claimOrder(a: CandidateRow, b: CandidateRow): number {
  return a.priority - b.priority || a.fileId - b.fileId || a.id - b.id;
}

const REARM = bothDialects(
  (d) => `UPDATE tasks SET state = 'pending', attempts = 0, run_after = 0, suspect = 0, reason = NULL, updated_at = @now
  WHERE state IN ${textList(d, '@states')} AND (CAST(@stage AS TEXT) IS NULL OR stage = @stage)`,
);

// Tasks skipped because this file's task of a stage they depend on failed run again once that task is re-armed.
const REARM_DEPENDENTS = `UPDATE tasks SET state = 'pending', reason = NULL, updated_at = @now
  WHERE state = 'skipped' AND reason LIKE @prefix
    AND NOT EXISTS (SELECT 1 FROM tasks d WHERE d.file_id = tasks.file_id AND d.state = 'failed'
                    AND tasks.reason = CAST(@reasonPrefix AS TEXT) || d.stage)`;

/** `indexer retry`: failed (and, if asked, canceled) tasks back to pending with fresh attempts. */
export function rearmFailed(db: Db, opts: { stage?: string; canceled?: boolean; now: number }): number {
  const states: TaskState[] = opts.canceled ? ['failed', 'canceled'] : ['failed'];
  return db.transaction(() => {
    const rearmed = statement(db, REARM).run({ states: JSON.stringify(states), stage: opts.stage ?? null, now: opts.now }).changes;
    statement(db, REARM_DEPENDENTS).run({ now: opts.now, prefix: DEPENDENCY_FAILED + '%', reasonPrefix: DEPENDENCY_FAILED });
    if (rearmed > 0) announceNewTasks(db); // wakes `indexer worker --follow` on PostgreSQL
    return rearmed;
  })();
}

/** Reason prefix of a task skipped because a stage it depends on failed for good on the same file (then its name). */
export const DEPENDENCY_FAILED = 'not run, this file failed: ';

const SKIP_DEPENDENTS = bothDialects(
  (d) => `UPDATE tasks SET state = 'skipped', reason = @reason, updated_at = @now, finished_at = @now
  WHERE file_id = @fileId AND state = 'pending' AND stage IN ${textList(d, '@stages')}`,
);

/**
 * A task that failed for good ends its file's pending tasks of the stages that depend on it (a broken video's clip
 * task): they could never run, so they are skipped with a reason naming the stage, not left pending forever.
 * `indexer retry` re-arms them with the failed task (rearmFailed); a changed file re-plans them anyway.
 */
export function skipDependents(db: Db, fileId: number, failedStage: string, dependents: readonly string[], now: number): number {
  if (dependents.length === 0) return 0;
  return statement(db, SKIP_DEPENDENTS).run({ fileId, reason: DEPENDENCY_FAILED + failedStage, stages: JSON.stringify(dependents), now })
    .changes;
}

const CANCEL_PENDING = bothDialects(
  (d: Dialect) => `UPDATE tasks SET state = 'canceled', reason = 'canceled by the user', updated_at = @now
  WHERE state = 'pending' AND (CAST(@stage AS TEXT) IS NULL OR stage = @stage)
    AND (@all = 1 OR file_id IN (
      SELECT f.id FROM files f, ${jsonTable(d, '@paths', 'p')}
      WHERE f.path = p.value OR substr(f.path, 1, length(p.value) + 1) = p.value || '/'))`,
);

/** `indexer cancel`: pending tasks (of a stage, under some paths) become canceled. */
export function cancelPending(db: Db, opts: { stage?: string; paths: string[]; now: number }): number {
  const params = { stage: opts.stage ?? null, paths: JSON.stringify(opts.paths), all: opts.paths.length === 0 ? 1 : 0, now: opts.now };
  return statement(db, CANCEL_PENDING).run(params).changes;
}
