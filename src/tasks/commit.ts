/**
 * Writes a batch of task outcomes in one transaction: the stage's commit() and the task's transition happen
 * together, so a result is either fully recorded or not at all (then the task runs again).
 */
import type { Db } from '../catalog/open.js';
import { deferWrites } from '../catalog/sql.js';
import { CatalogUnavailableError } from '../catalog/pg/errors.js';
import { skipDependents, type ClaimedTask, type TaskStore } from '../catalog/tasks.js';
import { updateRunCounts, type RunCounts } from '../catalog/runs.js';
import type { StageDefinition, StageOutcome } from '../extract/stage.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import type { PerStageCounts } from './events.js';
import { catalogFaultCode } from '../catalog/faults.js';
import { applySourceFinding, CHANGED_SETTLE_MS, type SourceFinding } from './source-fault.js';

/**
 * One finished piece of in-flight work: an outcome to record (with what the main thread found of the file when the
 * worker said it was gone or changed), or a task to hand back untouched.
 */
export type Settled =
  | { task: ClaimedTask; outcome: StageOutcome; source?: SourceFinding; crashed?: boolean }
  | { task: ClaimedTask; release: 'refund'; runAfter?: number };

/** What the runner must react to after a commit. */
export interface CommitEffects {
  failed: { task: ClaimedTask; reason: string }[];
  /** Stages whose fault (not the file's) showed: pause them. */
  stageFaults: { stage: string; reason: string }[];
  /** Roots found gone while their files' tasks ran: now offline, their tasks wait. */
  offlineRoots: { rootPath: string; why: string; files: number }[];
  /** Suspects failed for good because they crashed their own process every time. */
  quarantined: number;
}

export interface CommitContext {
  db: Db;
  store: TaskStore;
  stages: Map<string, StageDefinition>;
  runId: number;
  now: number;
  random: () => number;
  backoff: BackoffPolicy;
  /** Per-stage counters of this run, updated in place. */
  perStage: PerStageCounts;
  /** Run totals, updated in place and written with the batch. */
  totals: RunCounts;
  tx: CommitTransactions;
  /** Drops a file's derived data of a stage (and of the stages that depend on it) whose task ended without a result. */
  forget?: (db: Db, fileId: number, stage: string) => void;
  /** Every stage that depends on STAGE, directly or not (all loaded stages, not only this run's). */
  dependents?: (stage: string) => readonly string[];
}

/**
 * A failure that is the stage's or the machine's, not the file's: it trips the circuit breaker. The worker that met
 * the error classified it by its code (extract/image-outcome.ts); its reason is text for people, never parsed here.
 */
export function isStageFault(outcome: StageOutcome): boolean {
  return outcome.status === 'failed' && outcome.stageFault === true;
}

/** Transaction wrappers built once per run (building them per task costs more than the SQL). */
export interface CommitTransactions {
  batch: (ctx: CommitContext, batch: Settled[], effects: CommitEffects) => void;
  done: (ctx: CommitContext, task: ClaimedTask, value: unknown) => boolean;
}

export function commitTransactions(db: Db): CommitTransactions {
  const oneByOne = db.transaction((ctx: CommitContext, items: Settled[], effects: CommitEffects) => {
    for (const s of items) settleOne(ctx, s, effects);
    updateRunCounts(ctx.db, ctx.runId, ctx.totals);
  });
  // PostgreSQL, every outcome done (the usual batch): one statement ends them all, then each stage's commit, and the
  // writes travel together (deferWrites): two round trips for the batch, where the savepoints of `done` cost four per
  // task. SQLite keeps `oneByOne`: its statements and savepoints cost no round trip (the one-statement end was
  // measured no faster there).
  const allDone = db.transaction((ctx: CommitContext, items: DoneItem[]) => {
    const ours = new Set(ctx.store.endAll(items.map((s) => s.task.id), ctx.runId, 'done', ctx.now));
    for (const { task, outcome } of items) {
      const counts = (ctx.perStage[task.stage] ??= { done: 0, failed: 0, skipped: 0 });
      if (!ours.has(task.id)) continue; // its lease was lost: the task is someone else's now
      ctx.stages.get(task.stage)!.commit(ctx.db, { taskId: task.id, fileId: task.fileId, identity: task.identity }, outcome.value);
      counts.done++;
      ctx.totals.done++;
    }
    updateRunCounts(ctx.db, ctx.runId, ctx.totals);
  });
  // Nested inside `oneByOne`, this is a savepoint: if the stage's commit throws, neither its rows nor 'done' stay.
  const done = db.transaction((ctx: CommitContext, task: ClaimedTask, value: unknown) => {
    if (!ctx.store.end(task.id, ctx.runId, 'done', ctx.now)) return false;
    const stage = ctx.stages.get(task.stage)!;
    stage.commit(ctx.db, { taskId: task.id, fileId: task.fileId, identity: task.identity }, value);
    return true;
  });
  const batch = (ctx: CommitContext, items: Settled[], effects: CommitEffects) => {
    if (db.dialect === 'postgres' && items.every(isPlainDone)) {
      try {
        return countOnlyCommitted(ctx, () => deferWrites(db, () => allDone.immediate(ctx, items)));
      } catch (err) {
        if (catalogFaultCode(err) || err instanceof CatalogUnavailableError) throw err;
        // A stage's commit failed for one of them and took the whole batch with it: commit it again one outcome at a
        // time, where such a failure is its task's alone (recordOutcome).
      }
    }
    countOnlyCommitted(ctx, () => oneByOne.immediate(ctx, items, effects));
  };
  return { batch, done: (c, t, v) => done(c, t, v) };
}

type DoneItem = { task: ClaimedTask; outcome: Extract<StageOutcome, { status: 'done' }> };

/** An outcome to record as done with nothing else to look at (the file's state, a crash). */
function isPlainDone(s: Settled): s is DoneItem {
  return !('release' in s) && !s.source && !s.crashed && s.outcome.status === 'done';
}

function settleOne(ctx: CommitContext, s: Settled, effects: CommitEffects): void {
  if ('release' in s) {
    if (ctx.store.release(s.task.id, ctx.runId, ctx.now, true, s.runAfter)) ctx.totals.released++;
  } else if (s.source) settleSource(ctx, s.task, s.source, effects);
  else if (s.crashed) recordCrash(ctx, s.task, s.outcome, effects);
  else recordOutcome(ctx, s.task, s.outcome, effects);
}

/** The run's counters move with the transaction: when it fails (the catalog's disk is full), they are put back. */
function countOnlyCommitted(ctx: CommitContext, commit: () => void): void {
  const totals = { ...ctx.totals };
  const perStage = JSON.stringify(ctx.perStage);
  try {
    commit();
  } catch (err) {
    Object.assign(ctx.totals, totals);
    for (const key of Object.keys(ctx.perStage)) delete ctx.perStage[key];
    Object.assign(ctx.perStage, JSON.parse(perStage) as PerStageCounts);
    throw err;
  }
}

export function commitSettled(ctx: CommitContext, batch: Settled[]): CommitEffects {
  const effects: CommitEffects = { failed: [], stageFaults: [], offlineRoots: [], quarantined: 0 };
  ctx.tx.batch(ctx, batch, effects);
  return effects;
}

/** The file, not its content, was the problem: the task goes back with its attempt and waits for the file. */
function settleSource(ctx: CommitContext, task: ClaimedTask, finding: SourceFinding, effects: CommitEffects): void {
  const settle = finding.kind === 'changed' ? ctx.now + CHANGED_SETTLE_MS : 0;
  if (!ctx.store.release(task.id, ctx.runId, ctx.now, true, settle)) return;
  ctx.totals.released++;
  const offline = applySourceFinding(ctx.db, task, finding, { stages: [...ctx.stages.values()], now: ctx.now });
  if (offline) effects.offlineRoots.push(offline);
}

/**
 * The task ran alone in a process of its own (it was a suspect) and that process died of its own fault: the task's
 * doing, so the attempt counts. It stays a suspect, so any retry runs isolated again, never in the main process.
 */
function recordCrash(ctx: CommitContext, task: ClaimedTask, outcome: StageOutcome, effects: CommitEffects): void {
  const detail = outcome.status === 'failed' ? outcome.reason : 'crashed';
  if (task.attempts < task.maxAttempts) {
    ctx.store.retryLater(task.id, ctx.runId, detail, ctx.now + backoffDelay(task.attempts, ctx.random, ctx.backoff), ctx.now, true);
    return;
  }
  const reason = `${task.path}: the process died while running this task ${task.attempts} times (${detail.replace(`${task.path}: `, '')}; quarantined, see indexer retry)`;
  recordOutcome(ctx, task, { status: 'failed', reason, retryable: false }, effects);
  effects.quarantined++;
}

function recordOutcome(ctx: CommitContext, task: ClaimedTask, outcome: StageOutcome, effects: CommitEffects): void {
  const { store, runId, now } = ctx;
  const counts = (ctx.perStage[task.stage] ??= { done: 0, failed: 0, skipped: 0 });
  if (outcome.status === 'done') {
    try {
      if (ctx.tx.done(ctx, task, outcome.value)) {
        counts.done++;
        ctx.totals.done++;
      }
      return;
    } catch (err) {
      // The catalog's fault is no file's: the whole batch rolls back and the run stops (catalog/faults.ts).
      if (catalogFaultCode(err)) throw err;
      const reason = `${task.path}: could not save the ${task.stage} result: ${(err as Error).message}`;
      return recordOutcome(ctx, task, { status: 'failed', reason }, effects);
    }
  }
  if (outcome.status === 'skipped') {
    if (store.end(task.id, runId, 'skipped', now, outcome.reason)) {
      ctx.forget?.(ctx.db, task.fileId, task.stage);
      counts.skipped++;
      ctx.totals.skipped++;
    }
    return;
  }
  if (isStageFault(outcome)) {
    // Not this file's fault: give the attempt back and let the runner pause the stage.
    if (store.release(task.id, runId, now, true)) ctx.totals.released++;
    effects.stageFaults.push({ stage: task.stage, reason: outcome.reason });
    return;
  }
  if (outcome.retryable === false || task.attempts >= task.maxAttempts) {
    if (store.end(task.id, runId, 'failed', now, outcome.reason)) {
      ctx.forget?.(ctx.db, task.fileId, task.stage);
      const dependents = ctx.dependents?.(task.stage) ?? [];
      if (dependents.length) skipDependents(ctx.db, task.fileId, task.stage, dependents, now);
      counts.failed++;
      ctx.totals.failed++;
      effects.failed.push({ task, reason: outcome.reason });
    }
    return;
  }
  store.retryLater(task.id, runId, outcome.reason, now + backoffDelay(task.attempts, ctx.random, ctx.backoff), now);
}
