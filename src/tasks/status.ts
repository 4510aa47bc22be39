/** Engine side of `indexer status` and `indexer info`: per-stage counts, last run, throughput, ETA, failures. */
import type { Db } from '../catalog/open.js';
import { blockedByStage, failedTasks, fileTasks, hasTaskTables, offlinePendingByStage, stageCounts, topFailures } from '../catalog/task-queries.js';
import { pausedInNote } from './run-note.js';
import { recentRuns, type RunRow } from '../catalog/runs.js';
import { formatDuration } from '../cli/progress-format.js';
import { localTime } from '../local-time.js';

export interface EngineStatus {
  /** stage -> state -> count, e.g. {"thumbnail": {"pending": 3, "running": 0, "done": 9, ...}} */
  stages: Record<string, Record<string, number>>;
  /** Extra keys merged into `status --json` (lastRun, throughput, eta, topFailures, ...). */
  extra: Record<string, unknown>;
}

interface LastRun {
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

export function engineStatus(db: Db): EngineStatus {
  if (!hasTaskTables(db)) return { stages: {}, extra: {} };
  const stages = stageCounts(db);
  const runs = recentRuns(db, 5).map(describeRun);
  const lastRun = runs[0] ?? null;
  const waiting = waitingWork(db, stages);
  const runnable = Object.values(waiting.runnable).reduce((a, n) => a + n, 0);
  const rate = lastRun?.tasksPerSecond ?? null;
  return {
    stages,
    extra: {
      lastRun,
      /** The last five runs, newest first. */
      recentRuns: runs,
      throughput: rate,
      /** Seconds to finish the work that can run (see `runnable`) at the last run's rate (null when unknown). */
      etaSeconds: runnable === 0 ? 0 : rate && rate > 0 ? Math.round(runnable / rate) : null,
      topFailures: topFailures(db, 5),
      /** Pending tasks waiting on a dependency that failed or was canceled (`indexer retry` unblocks them). */
      blocked: waiting.blocked,
      /** Stages that their own last run paused, with the reason and the pending tasks left waiting. */
      paused: waiting.paused,
      /** Pending tasks of offline files (they wait for their root to come back). */
      offline: waiting.offline,
      /** Tasks that can run now (pending or running, not blocked, paused or offline), per stage. */
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

/** Lines for the human status output. */
export function formatEngineStatus(status: EngineStatus): string[] {
  const lines: string[] = [];
  const names = Object.keys(status.stages);
  if (names.length === 0) return ['tasks: none yet (run indexer scan or indexer resume)'];
  lines.push('tasks:');
  const w = Math.max(...names.map((n) => n.length));
  const blocked = (status.extra.blocked ?? {}) as Record<string, number>;
  const offline = (status.extra.offline ?? {}) as Record<string, number>;
  const paused = (status.extra.paused ?? {}) as Record<string, { tasks: number; reason: string }>;
  for (const name of names) {
    const s = status.stages[name]!;
    // "pending" here is what can run; work that waits is named apart, so it is not mistaken for a backlog.
    const waiting = { blocked: blocked[name] ?? 0, offline: offline[name] ?? 0, paused: paused[name]?.tasks ?? 0 };
    const runnable = Math.max(0, (s.pending ?? 0) - waiting.blocked - waiting.offline - waiting.paused);
    const parts = [
      `${runnable} pending`,
      ...Object.entries(waiting)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`),
      ...['running', 'done', 'failed', 'skipped', 'canceled'].map((k) => `${s[k] ?? 0} ${k}`),
    ];
    lines.push(`  ${name.padEnd(w)}  ${parts.join(', ')}`);
  }
  const run = status.extra.lastRun as LastRun | null;
  if (run) {
    const when = localTime(run.startedAt);
    const took = run.durationMs === null ? '' : ` in ${formatDuration(run.durationMs)}`;
    const rate = run.tasksPerSecond === null ? '' : `, ${run.tasksPerSecond} tasks/s`;
    lines.push(`last run: #${run.id} ${run.command} ${when} ${run.outcome}${took}: ${run.done} done, ${run.failed} failed, ${run.skipped} skipped${rate}`);
    if (run.note) lines.push(`  note: ${run.note}`);
  }
  const blockedList = Object.entries(blocked);
  if (blockedList.length) {
    lines.push(`blocked: ${blockedList.map(([k, n]) => `${n} ${k}`).join(', ')} waiting on a failed or canceled dependency (indexer retry)`);
  }
  for (const [name, p] of Object.entries(paused)) {
    lines.push(`paused: ${name} (${p.tasks} task${p.tasks === 1 ? '' : 's'} waiting) in its last run: ${p.reason}`);
  }
  const offlineList = Object.entries(offline);
  if (offlineList.length) lines.push(`offline: ${offlineList.map(([k, n]) => `${n} ${k}`).join(', ')} waiting for an offline root`);
  const eta = status.extra.etaSeconds as number | null;
  const runnable = Object.values((status.extra.runnable ?? {}) as Record<string, number>).reduce((a, n) => a + n, 0);
  if (eta !== null && eta > 0) {
    lines.push(`eta: about ${formatDuration(eta * 1000)} for the ${runnable} task${runnable === 1 ? '' : 's'} that can run, at the last run's rate`);
  }
  const top = status.extra.topFailures as { stage: string; reason: string; count: number }[];
  if (top?.length) {
    lines.push('most common failures (indexer status --failed lists them):');
    for (const f of top) lines.push(`  ${f.count} × [${f.stage}] ${f.reason}`);
  }
  return lines;
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
