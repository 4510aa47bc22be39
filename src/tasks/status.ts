/** Engine side of `indexer status` and `indexer info`: per-stage counts, last run, throughput, ETA, failures. */
import type { Db } from '../catalog/open.js';
import { blockedByStage, failedTasks, fileTasks, hasTaskTables, stageCounts, topFailures } from '../catalog/task-queries.js';
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
  const pending = Object.values(stages).reduce((a, s) => a + (s.pending ?? 0) + (s.running ?? 0), 0);
  const rate = lastRun?.tasksPerSecond ?? null;
  return {
    stages,
    extra: {
      lastRun,
      /** The last five runs, newest first. */
      recentRuns: runs,
      throughput: rate,
      /** Seconds to finish what is pending at the last run's rate (null when unknown). */
      etaSeconds: pending === 0 ? 0 : rate && rate > 0 ? Math.round(pending / rate) : null,
      topFailures: topFailures(db, 5),
      /** Pending tasks waiting on a dependency that failed or was canceled (`indexer retry` unblocks them). */
      blocked: blockedByStage(db),
    },
  };
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
  for (const name of names) {
    const s = status.stages[name]!;
    const parts = ['pending', 'running', 'done', 'failed', 'skipped', 'canceled'].map((k) => `${s[k] ?? 0} ${k}`);
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
  const blocked = Object.entries((status.extra.blocked ?? {}) as Record<string, number>);
  if (blocked.length) {
    lines.push(`blocked: ${blocked.map(([k, n]) => `${n} ${k}`).join(', ')} pending on a failed dependency (indexer retry)`);
  }
  const eta = status.extra.etaSeconds as number | null;
  if (eta !== null && eta > 0) lines.push(`eta: about ${formatDuration(eta * 1000)} for what is pending, at the last run's rate`);
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
