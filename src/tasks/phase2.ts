/**
 * Phase 2 as `scan` and `resume` call it: recover, plan, preflight, run the pool until done, a limit or an
 * interrupt, and record the run.
 */
import type { Db } from '../catalog/open.js';
import type { CliEnv } from '../cli/env.js';
import { TaskStore } from '../catalog/tasks.js';
import { blockedByStage } from '../catalog/task-queries.js';
import { catalogFaultCode } from '../catalog/faults.js';
import { keepReserve } from '../catalog/reserve.js';
import { endRun, startRun, updateRunCounts, type RunCounts, type RunOutcome } from '../catalog/runs.js';
import { loadAllStages } from '../extract/registry.js';
import type { StageDefinition } from '../extract/stage.js';
import { ExitCode, UserError } from '../errors.js';
import { engineOptions, type EngineOptions } from './options.js';
import { planTasks, recoverDeadOwners } from './plan.js';
import { pidAlive } from './liveness.js';
import { sweepTempsAfterCrash } from './temp-sweep.js';
import { cacheWriteProblem } from './cache-check.js';
import { pausedPart } from './run-note.js';
import { durationText } from './duration-text.js';
import { tasksPerSecond } from './status.js';
import { refreshSearchIndex } from './search-index.js';
import { createWorkerPool, type TaskPool } from './pool.js';
import { createIsolation } from './isolated.js';
import { defaultTuning, runTasks, type RunnerTuning, type StopReason } from './runner.js';
import { progressFor } from '../cli/progress-select.js';
import type { EngineEvents, PerStageCounts } from './events.js';

/** What `scan` (after phase 1) and `resume` hand the task engine. */
export interface Phase2Request {
  db: Db;
  catalogPath: string;
  cacheDir: string;
  cli: CliEnv;
  /** The command's options, global ones included (json, quiet, stages, priority, max-duration, ...). */
  opts: Record<string, unknown>;
  /** Roots just scanned (for `scan ROOT --priority high`); undefined for resume. */
  rootIds?: number[];
  /** Aborted on the first SIGINT/SIGTERM. */
  signal: AbortSignal;
}

export interface Phase2Result {
  /** 0 done or stopped by a limit; 130 interrupted; 1 unexpected failure. */
  exitCode: number;
  /** Goes under "extract" in the final --json object. */
  summary: Record<string, unknown>;
}


/** Seams for tests and the benchmark: a fake pool, tuning, events, command name. */
export interface Phase2Seams {
  pool?: (threads: number) => TaskPool;
  tuning?: Partial<RunnerTuning>;
  events?: EngineEvents;
  command?: string;
}

/** Plans tasks for what phase 1 found and runs them. */
export async function runPhase2(req: Phase2Request, seams: Phase2Seams = {}): Promise<Phase2Result> {
  const { db, cli } = req;
  const clock = cli.clock;
  const options = engineOptions(req.opts, cli.env);
  const all = await loadAllStages({ cacheDir: req.cacheDir, env: cli.env, options: req.opts });
  const stages = selectStages(all, options);
  const store = new TaskStore(db);
  const started = clock.now();
  // Taken before the run writes anything, while the disk may still have the room.
  const reserve = keepReserve(req.catalogPath);

  const temps = await sweepTempsAfterCrash(store, req.cacheDir, { pid: process.pid, isAlive: pidAlive });
  for (const f of temps.failed) cli.stderr.write(`indexer: cannot remove ${f}, a temp file left by a killed run: remove it by hand\n`);
  const recovery = recoverDeadOwners(db, store, { now: started, currentRunId: null, pid: process.pid, isAlive: pidAlive });
  const plan = planTasks(db, stages, { now: clock.now(), priority: options.priority, rootIds: req.rootIds });
  const runId = startRun(db, { command: seams.command ?? (req.rootIds ? 'scan' : 'resume'), pid: process.pid, stages: stages.map((s) => s.name), now: clock.now() });
  const totals: RunCounts = {
    planned: plan.planned,
    rearmed: plan.rearmed,
    coalesced: plan.coalesced,
    recovered: recovery.recovered,
    done: 0,
    failed: 0,
    skipped: 0,
    released: 0,
  };
  updateRunCounts(db, runId, totals);

  const pending = store.pendingByStage(stages.map((s) => s.name));
  const progress = seams.events ? null : progressFor(req.opts, cli, pending);
  const events = seams.events ?? progress!.events;
  const paused = new Map<string, string>();
  // Once, before any work: an unwritable cache pauses the stages that write there (cache-check.ts).
  const cacheProblem = stages.some((s) => s.writesCache) ? cacheWriteProblem(req.cacheDir, process.pid) : null;
  // All started at once, then read in stage order: one stage's check (the video stage starts ffprobe and ffmpeg)
  // must not hold up another's preparation (the clip stage starts loading its model in its preflight).
  const checks = stages.map((stage) =>
    cacheProblem && stage.writesCache
      ? Promise.resolve(cacheProblem)
      : (stage.preflight?.({ pending: pending[stage.name] ?? 0 }) ?? Promise.resolve(null)).catch(
          (err: unknown) => `preflight check failed: ${(err as Error)?.message ?? String(err)}`,
        ),
  );
  for (const [i, stage] of stages.entries()) {
    const reason = await checks[i]!;
    if (reason) {
      paused.set(stage.name, reason);
      events.stagePaused({ stage: stage.name, reason });
    }
  }

  // Say what the first Ctrl-C does, so nobody presses it again out of doubt (that one exits at once).
  const onAbort = () => {
    const line = 'interrupted: letting running tasks finish for a few seconds (Ctrl-C again to quit now)';
    if (progress) progress.notice(line);
    else if (!req.opts.quiet) cli.stderr.write(line + '\n');
  };
  req.signal.addEventListener('abort', onAbort, { once: true });
  const pool = (seams.pool ?? createWorkerPool)(options.threads);
  // Suspects run in a process of their own; a test's or benchmark's fake pool runs them itself.
  const isolation = seams.pool ? null : createIsolation();
  let stop: StopReason | 'failed' = 'failed';
  let perStage: PerStageCounts = {};
  let offlineRoots: { rootPath: string; why: string; files: number }[] = [];
  let quarantined = recovery.quarantined;
  let error: unknown = null;
  try {
    const dependents = dependentsOf(all);
    const result = await runTasks({
      db,
      store,
      stages,
      paused,
      pool,
      clock,
      runId,
      pid: process.pid,
      cacheDir: req.cacheDir,
      signal: req.signal,
      limits: { maxDurationMs: options.maxDurationMs, maxTasks: options.maxTasks, taskTimeoutMs: options.taskTimeoutMs },
      tuning: { ...defaultTuning, ...drainFromEnv(cli.env), ...seams.tuning },
      events,
      totals,
      isolate: isolation?.run,
      forget: forgetter(all, dependents),
      dependents,
    });
    stop = result.stop;
    perStage = result.perStage;
    offlineRoots = result.offlineRoots;
    quarantined += result.quarantined;
  } catch (err) {
    error = err;
  } finally {
    req.signal.removeEventListener('abort', onAbort);
    progress?.stop();
    await pool.close();
    isolation?.close();
  }

  // After the progress display is gone, so the line is not drawn over; shown with --quiet, as a scan's is.
  for (const r of offlineRoots) {
    cli.stderr.write(`indexer: root ${r.rootPath} ${r.why} during extraction: treated as offline, its ${r.files} files' tasks wait for it\n`);
  }
  if (error && catalogFaultCode(error)) {
    // The catalog cannot take more writes now: hand this run's tasks back and record what was committed, as far as
    // it still can (whatever it cannot, the next run's recovery does, charging nothing).
    const bestEffort = (write: () => void) => {
      try {
        write();
      } catch {
        // A checkpoint lets the next write reuse the WAL's space from its start, which the disk already gave us.
        try {
          db.pragma('wal_checkpoint(RESTART)');
          write();
        } catch {
          // still full: the next run's recovery hands the tasks back, charging nothing
        }
      }
    };
    reserve.free();
    bestEffort(() => store.releaseRun(runId, clock.now()));
    bestEffort(() => updateRunCounts(db, runId, totals));
    bestEffort(() => endRun(db, runId, { outcome: 'failed', note: noteFor('failed', paused, options, error), now: clock.now() }));
    throw error;
  }
  reserve.free();
  const remaining = store.pendingByStage(stages.map((s) => s.name));
  const left = Object.values(remaining).reduce((a, b) => a + b, 0);
  const outcome: RunOutcome =
    stop === 'failed' ? 'failed' : stop === 'interrupted' ? 'interrupted' : stop === 'complete' || left === 0 ? 'complete' : 'limit';
  const note = noteFor(stop, paused, options, error);
  updateRunCounts(db, runId, totals);
  endRun(db, runId, { outcome, note, now: clock.now() });
  if (error) throw error;
  if (stop !== 'interrupted' && stages.some((s) => s.name === 'clip')) {
    await refreshSearchIndex(db, req, cli, req.opts.quiet === true, req.signal);
  }

  const durationMs = clock.now() - started;
  const worked = totals.done + totals.failed + totals.skipped;
  const summary = {
    run: runId,
    outcome,
    stages: Object.fromEntries(
      stages.map((s) => [s.name, { ...(perStage[s.name] ?? { done: 0, failed: 0, skipped: 0 }), pending: remaining[s.name] ?? 0 }]),
    ),
    ...totals,
    quarantined,
    /** Temp files a killed run left in the cache, removed at start. */
    tempsRemoved: temps.removed,
    canceled: plan.canceled,
    planSkipped: plan.skipped,
    pending: left,
    /** Pending but waiting on a failed or canceled dependency. */
    blocked: Object.values(blockedByStage(db)).reduce((a, b) => a + b, 0),
    paused: Object.fromEntries(paused),
    offlineRoots: offlineRoots.map((r) => r.rootPath),
    tasksPerSecond: tasksPerSecond(worked, durationMs) ?? 0,
    durationMs,
    note,
  };
  progress?.summary(summary);
  return { exitCode: outcome === 'interrupted' ? ExitCode.interrupted : ExitCode.ok, summary };
}

/**
 * A stage's task ended failed or skipped for a file's current bytes: what the stage stored for the file before, and
 * what every stage that depends on it stored (the clip embedding made from the thumbnail's preview), is dropped.
 * Every loaded stage counts, not only this run's --stages.
 */
/** STAGE's dependents, direct and indirect, among every loaded stage. */
export function dependentsOf(all: StageDefinition[]): (stage: string) => readonly string[] {
  const memo = new Map<string, string[]>();
  return (stage) => {
    let out = memo.get(stage);
    if (!out) {
      const seen = new Set<string>();
      const visit = (name: string) => {
        for (const s of all) if (s.dependsOn.includes(name) && !seen.has(s.name)) (seen.add(s.name), visit(s.name));
      };
      visit(stage);
      out = [...seen];
      memo.set(stage, out);
    }
    return out;
  };
}

function forgetter(all: StageDefinition[], dependents: (stage: string) => readonly string[]): (db: Db, fileId: number, stage: string) => void {
  const byName = new Map(all.map((s) => [s.name, s]));
  return (db, fileId, stage) => {
    for (const name of [stage, ...dependents(stage)]) byName.get(name)?.forget?.(db, fileId);
  };
}

/** --stages picks stages by name; the stages they depend on come along, since their tasks would otherwise wait. */
function selectStages(all: StageDefinition[], options: EngineOptions): StageDefinition[] {
  if (!options.stages) return all;
  const byName = new Map(all.map((s) => [s.name, s]));
  const chosen = new Set<string>();
  const add = (name: string) => {
    const s = byName.get(name);
    if (!s) {
      const known = all.map((x) => x.name).join(', ') || 'none';
      throw new UserError(`--stages: unknown stage '${name}' (known: ${known})`);
    }
    if (chosen.has(name)) return;
    chosen.add(name);
    s.dependsOn.forEach((d) => byName.has(d) && add(d));
  };
  options.stages.forEach(add);
  return all.filter((s) => chosen.has(s.name));
}

function noteFor(stop: StopReason | 'failed', paused: Map<string, string>, o: EngineOptions, error: unknown): string | null {
  const parts: string[] = [];
  if (stop === 'max-duration') parts.push(`stopped at --max-duration ${durationText(o.maxDurationMs!)}`);
  if (stop === 'max-tasks') parts.push(`stopped at --max-tasks ${o.maxTasks}`);
  if (stop === 'interrupted') parts.push('interrupted by a signal');
  if (error) parts.push(`failed: ${(error as Error).message}`);
  for (const [stage, reason] of paused) parts.push(pausedPart(stage, reason));
  return parts.length ? parts.join('; ') : null;
}

/** INDEXER_DRAIN_MS: how long in-flight work may finish after Ctrl-C (default 5 s; tests shorten it). */
function drainFromEnv(env: NodeJS.ProcessEnv): Partial<RunnerTuning> {
  const ms = Number(env.INDEXER_DRAIN_MS);
  return env.INDEXER_DRAIN_MS && Number.isFinite(ms) && ms >= 0 ? { drainMs: ms } : {};
}
