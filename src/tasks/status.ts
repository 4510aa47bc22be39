/**
 * Engine side of `indexer status` and `indexer info`: per-stage counts, last run, throughput, ETA, failures, as data
 * (cli/engine-status.ts formats it for humans).
 */
import type { Db } from '../catalog/open.js';
import { blockedByStage, failedTasks, fileTasks, hasTaskTables, offlinePendingByStage, stageCounts, topFailures } from '../catalog/task-queries.js';
import { pausedInNote } from './run-note.js';
import { recentRuns, type RunRow } from '../catalog/runs.js';

export interface EngineStatus {
  /** stage -> state -> count, e.g. {"thumbnail": {"pending": 3, "running": 0, "done": 9, ...}} */
  stages: Record<string, Record<string, number>>;
  /** Extra keys merged into `status --json` (lastRun, throughput, eta, topFailures, ...). */
  extra: Partial<EngineStatusExtra>;
}

export interface EngineStatusExtra {
  lastRun: LastRun | null;
  /** The last five runs, newest first. */
  recentRuns: LastRun[];
  throughput: number | null;
  /** Seconds to finish the work that can run (see `runnable`) at the last run's rate (null when unknown). */
  etaSeconds: number | null;
  topFailures: { stage: string; reason: string; count: number }[];
  /** Pending tasks waiting on a dependency that failed or was canceled (`indexer retry` unblocks them). */
  blocked: Record<string, number>;
  /** Stages that their own last run paused, with the reason and the pending tasks left waiting. */
  paused: Record<string, { tasks: number; reason: string }>;
  /** Pending tasks of offline files (they wait for their root to come back). */
  offline: Record<string, number>;
  /** Tasks that can run now (pending or running, not blocked, paused or offline), per stage. */
  runnable: Record<string, number>;
}

export interface LastRun {
  id: number;
  command: string;
  outcome: string;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  done: number;
  failed: number;
  skipped: number;
  /** Tasks finished per second over the run (null when it has no end). */
  tasksPerSecond: number | null;
  note: string | null;
}

/** With `now`, a run still marked running but silent for long (its host died) is shown as crashed (runs.ts). */
export function engineStatus(db: Db, now?: number): EngineStatus {
  if (!hasTaskTables(db)) return { stages: {}, extra: {} };
  const stages = stageCounts(db);
  const runs = recentRuns(db, 5, now).map(describeRun);
  const lastRun = runs[0] ?? null;
  const waiting = waitingWork(db, stages);
  const runnable = Object.values(waiting.runnable).reduce((a, n) => a + n, 0);
  const rate = lastRun?.tasksPerSecond ?? null;
  return {
    stages,
    extra: {
      lastRun,
      recentRuns: runs,
      throughput: rate,
      etaSeconds: runnable === 0 ? 0 : rate && rate > 0 ? Math.round(runnable / rate) : null,
      topFailures: topFailures(db, 5),
      blocked: waiting.blocked,
      paused: waiting.paused,
      offline: waiting.offline,
      runnable: waiting.runnable,
    },
  };
}

/** How many runs back `status` looks for the last run of each stage. */
const RUNS_FOR_PAUSE = 20;

interface WaitingWork {
  blocked: Record<string, number>;
  offline: Record<string, number>;
  paused: Record<string, { tasks: number; reason: string }>;
  runnable: Record<string, number>;
}

/**
 * Pending work that cannot run, apart from what can: blocked on a failed dependency, on an offline file, or in a
 * stage that its own last run paused (no model, an unwritable cache). Each pending task is counted once, in that
 * order.
 */
function waitingWork(db: Db, stages: Record<string, Record<string, number>>): WaitingWork {
  const blocked = blockedByStage(db);
  const offline = offlinePendingByStage(db);
  const names = Object.keys(stages);
  const pausedNow = new Map<string, string>();
  const decided = new Set<string>();
  for (const run of recentRuns(db, RUNS_FOR_PAUSE)) {
    // Newest first: a stage's most recent run decides; a run still going has no note yet and decides nothing.
    for (const stage of run.stages) {
      if (!names.includes(stage) || decided.has(stage) || run.outcome === 'running') continue;
      decided.add(stage);
      const reason = pausedInNote(run.note, [stage]).get(stage);
      if (reason !== undefined) pausedNow.set(stage, reason);
    }
  }
  const paused: WaitingWork['paused'] = {};
  const runnable: Record<string, number> = {};
  for (const name of names) {
    const s = stages[name]!;
    const free = Math.max(0, (s.pending ?? 0) - (blocked[name] ?? 0) - (offline[name] ?? 0));
    const reason = pausedNow.get(name);
    if (reason !== undefined) paused[name] = { tasks: free, reason };
    runnable[name] = (reason !== undefined ? 0 : free) + (s.running ?? 0);
  }
  return { blocked, offline, paused, runnable };
}

/** Tasks finished per second, to one decimal; null over no time (a run without an end). */
export function tasksPerSecond(worked: number, durationMs: number | null): number | null {
  return durationMs && durationMs > 0 ? Math.round((worked / durationMs) * 10_000) / 10 : null;
}

function describeRun(r: RunRow): LastRun {
  const durationMs = r.endedAt === null ? null : r.endedAt - r.startedAt;
  const worked = r.done + r.failed + r.skipped;
  return {
    id: r.id,
    command: r.command,
    outcome: r.outcome,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationMs,
    done: r.done,
    failed: r.failed,
    skipped: r.skipped,
    tasksPerSecond: tasksPerSecond(worked, durationMs),
    note: r.note,
  };
}

/** One task of one file, for `indexer info`. */
export interface FileTask {
  stage: string;
  state: string;
  reason: string | null;
  attempts: number;
  updatedAt: number | null;
}

export function tasksForFile(db: Db, fileId: number): FileTask[] {
  if (!hasTaskTables(db)) return [];
  return fileTasks(db, fileId);
}

/** Failed tasks with their reasons, for `indexer status --failed`. */
export function listFailed(db: Db): { path: string; stage: string; reason: string; attempts: number }[] {
  if (!hasTaskTables(db)) return [];
  return failedTasks(db);
}
