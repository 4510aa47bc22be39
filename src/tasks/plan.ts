/**
 * Planning at the start of every phase 2: recover what dead owners left running, then bring the task table in line
 * with the files table (new files, changed files, raised stage versions, deleted files), all in bulk SQL.
 */
import { announceNewTasks } from '../catalog/notify.js';
import os from 'node:os';
import type { Db } from '../catalog/open.js';
import { TaskStore } from '../catalog/tasks.js';
import { markRunCrashed, runIsStale, runningRuns, staleRunNote } from '../catalog/runs.js';
import {
  cancelTasksOfDeletedFiles,
  lockPlanning,
  planDependency,
  planStage,
  presentKinds,
  prioritizeRoots,
  type PlanCounts,
  type StagePlan,
} from '../catalog/task-plan.js';
import type { FileKind } from '../types.js';
import type { StageDefinition } from '../extract/stage.js';
import { priorities } from './options.js';

export interface PlanTotals extends PlanCounts {
  /** Pending tasks canceled because their file was deleted. */
  canceled: number;
}

/** What a stage's fingerprint adds to size:mtime (version, model). */
export function fingerprintSuffix(stage: StageDefinition): string {
  const model = stage.modelId?.() ?? null;
  return `:v${stage.version}${model ? `:m${model}` : ''}`;
}

export function planTasks(
  db: Db,
  stages: StageDefinition[],
  opts: { now: number; priority: number | null; rootIds?: number[]; fileIds?: number[] },
): PlanTotals {
  const kinds = presentKinds(db);
  return db.transaction(() => {
    lockPlanning(db);
    const totals: PlanTotals = { planned: 0, rearmed: 0, coalesced: 0, skipped: 0, canceled: 0 };
    totals.canceled = cancelTasksOfDeletedFiles(db, opts.now);
    for (const stage of stages) {
      const plan: StagePlan = {
        stage: stage.name,
        fingerprintSuffix: fingerprintSuffix(stage),
        sidecar: stage.fingerprintExtra === 'sidecar',
        accepted: [],
        rejected: [],
        maxAttempts: stage.maxAttempts,
        priority: opts.priority ?? priorities.normal,
        fileIds: opts.fileIds,
      };
      for (const k of kinds) {
        const key = `${k.kind}/${k.ext}`;
        const verdict = stage.accepts({ kind: k.kind as FileKind, ext: k.ext });
        if (verdict.ok) plan.accepted.push(key);
        else plan.rejected.push({ key, reason: verdict.reason });
      }
      const c = planStage(db, plan, opts.now);
      totals.planned += c.planned;
      totals.rearmed += c.rearmed;
      totals.coalesced += c.coalesced;
      totals.skipped += c.skipped;
    }
    const names = new Set(stages.map((s) => s.name));
    for (const stage of stages) for (const dep of stage.dependsOn) if (names.has(dep)) planDependency(db, stage.name, dep);
    if (opts.rootIds && opts.rootIds.length > 0 && opts.priority !== null) {
      prioritizeRoots(db, opts.rootIds, opts.priority, opts.now);
    }
    // Workers waiting with --follow on other hosts wake at this commit (PostgreSQL NOTIFY; nothing on SQLite).
    if (totals.planned + totals.rearmed > 0) announceNewTasks(db);
    return totals;
  }).immediate();
}

/**
 * Returns to pending the running tasks of owners that are gone (dead pid, an earlier run of this very process, or
 * an expired lease); quarantines those that used up their attempts; records dead runs as crashed.
 * A pid means something only on its own host: runs of other hosts (a shared catalog) are never judged by it here,
 * their tasks come back only when their leases expire, and their runs are recorded as crashed once their heartbeat
 * is stale (runs.ts, STALE_RUN_MS).
 */
export function recoverDeadOwners(
  db: Db,
  store: TaskStore,
  opts: { now: number; currentRunId: number | null; pid: number; isAlive: (pid: number) => boolean; host?: string },
): { recovered: number; quarantined: number } {
  const dead = deadOwner(opts);
  let recovered = 0;
  let quarantined = 0;
  for (const owner of store.leaseOwners()) {
    if (!dead(owner) && owner.expires > opts.now) continue;
    const r = store.recoverOwner({ runId: owner.runId, pid: owner.pid }, opts.now);
    recovered += r.recovered;
    quarantined += r.quarantined;
  }
  for (const run of runningRuns(db)) {
    if (dead({ runId: run.id, pid: run.pid, host: run.host })) {
      markRunCrashed(db, run.id, 'the process ended without recording an outcome (killed or crashed)');
    } else if (run.id !== opts.currentRunId && runIsStale(run, opts.now)) {
      // A run of any host silent that long (on another host its pid cannot be checked): its row must not say running.
      markRunCrashed(db, run.id, staleRunNote(run));
    }
  }
  return { recovered, quarantined };
}

/**
 * Whether an owner of this host is known dead: not the current run, and its pid is this process (an earlier run of
 * it) or no longer alive. A null host is a run from before hosts were recorded, which ran on the catalog's machine.
 */
export function deadOwner(opts: { currentRunId?: number | null; pid: number; isAlive: (pid: number) => boolean; host?: string }) {
  const here = opts.host ?? os.hostname();
  return (owner: { runId: number | null; pid: number; host: string | null }): boolean =>
    (owner.host === null || owner.host === here) &&
    owner.runId !== (opts.currentRunId ?? null) &&
    (owner.pid === opts.pid || !opts.isAlive(owner.pid));
}
