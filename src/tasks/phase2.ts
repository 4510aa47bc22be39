/**
 * Phase 2 as `scan` and `resume` call it: recover, plan, preflight, run the pool until done, a limit or an
 * interrupt, and record the run. The CLI hands in its progress display; this module prints nothing of its own but
 * the lines that must outlive the display (temp files it cannot remove, roots gone offline).
 */
import type { Db } from '../catalog/open.js';
import { reclaimWalSpace } from '../catalog/maintenance.js';
import type { CliEnv } from '../cli/env.js';
import { TaskStore } from '../catalog/tasks.js';
import { blockedByStage } from '../catalog/task-queries.js';
import { catalogFaultCode } from '../catalog/faults.js';
import { keepReserve } from '../catalog/reserve.js';
import { endRun, startRun, updateRunCounts, type RunCounts, type RunOutcome } from '../catalog/runs.js';
import { loadAllStages, stderrLogger, type StageConfig } from '../extract/registry.js';
import type { StageDefinition } from '../extract/stage.js';
import { ExitCode } from '../errors.js';
import { resolveOptions, type Phase2Options } from './options.js';
import { planTasks, recoverDeadOwners } from './plan.js';
import { pidAlive } from '../liveness.js';
import { sweepTempsAfterCrash } from './temp-sweep.js';
import { cacheWriteProblem } from './cache-check.js';
import { tasksPerSecond } from './status.js';
import { refreshSearchIndex } from './search-index.js';
import { createWorkerPool, type TaskPool } from './pool.js';
import { createIsolation } from './isolated.js';
import { defaultTuning, runTasks, type RunnerResult, type RunnerTuning, type StopReason } from './runner.js';
import { dependentsOf, forgetter, selectStages } from './stage-selection.js';
import type { EngineEvents, ProgressDisplay, ProgressFactory } from './events.js';
import { noteFor, outcomeOf, type Phase2Summary } from './phase2-summary.js';

export { dependentsOf } from './stage-selection.js';
export type { Phase2Summary } from './phase2-summary.js';
import type { MapPath } from './path-map.js';

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
  /**
   * The progress display (the CLI's, cli/progress-select.ts). Without one, failures and pauses are written to stderr
   * as lines and nothing else is shown.
   */
  progress?: ProgressFactory;
  /** What the run row records as its command; default `scan` with rootIds, else `resume`. */
  command?: string;
  /** Where this host reads the catalog's paths (`indexer worker --path-map`). */
  mapPath?: MapPath;
}

export interface Phase2Result {
  /** 0 done or stopped by a limit; 130 interrupted; 1 unexpected failure. */
  exitCode: number;
  /** Goes under "extract" in the final --json object. */
  summary: Phase2Summary;
}

/** Seams for tests and the benchmark: a fake pool, tuning, events, command name. */
export interface Phase2Seams {
  pool?: (threads: number) => TaskPool;
  tuning?: Partial<RunnerTuning>;
  /** Engine events instead of any display: nothing is drawn and no summary printed. */
  events?: EngineEvents;
  command?: string;
}

/** A run started in the catalog, with what it found and planned before its first task. */
interface StartedRun {
  options: Phase2Options;
  /** Every loaded stage, and those this run executes (--stages and their dependencies). */
  all: StageDefinition[];
  stages: StageDefinition[];
  store: TaskStore;
  runId: number;
  started: number;
  totals: RunCounts;
  plan: { canceled: number; skipped: number };
  quarantinedAtStart: number;
  tempsRemoved: number;
  /** Disk room kept for the run's last writes (freed when it ends). */
  reserve: { free(): void };
  /** Pending tasks per stage once planned: counted once, for the progress display and the stages' preflights. */
  pendingAtStart: Record<string, number>;
}

/** What the pool run ended with; `error` is whatever it threw. */
interface Ran {
  stop: StopReason | 'failed';
  result: RunnerResult | null;
  error: unknown;
}

/** Plans tasks for what phase 1 found and runs them. */
export async function runPhase2(req: Phase2Request, seams: Phase2Seams = {}): Promise<Phase2Result> {
  const run = await startPhase2(req, seams);
  const display = displayFor(req, seams, run);
  const paused = await pausedBeforeStart(run, req.cacheDir, display.events);
  const ran = await runPool(req, seams, run, paused, display);
  // After the progress display is gone, so the line is not drawn over; shown with --quiet, as a scan's is.
  for (const r of ran.result?.offlineRoots ?? []) {
    req.cli.stderr.write(`indexer: root ${r.rootPath} ${r.why} during extraction: treated as offline, its ${r.files} files' tasks wait for it\n`);
  }
  if (ran.error && catalogFaultCode(ran.error)) endOnCatalogFault(req, run, paused, ran.error);
  run.reserve.free();
  const remaining = run.store.pendingByStage(run.stages.map((s) => s.name));
  const left = Object.values(remaining).reduce((a, b) => a + b, 0);
  const outcome = outcomeOf(ran.stop, left);
  const note = noteFor(ran.stop, paused, run.options.engine, ran.error);
  updateRunCounts(req.db, run.runId, run.totals);
  endRun(req.db, run.runId, { outcome, note, now: req.cli.clock.now() });
  if (ran.error) throw ran.error;
  if (ran.stop !== 'interrupted' && run.stages.some((s) => s.name === 'clip')) {
    await refreshSearchIndex(req.db, req, req.cli, run.options.output.quiet, req.signal);
  }
  const summary = summaryOf(req, run, ran, { outcome, note, remaining, left, paused });
  display.summary(summary);
  return { exitCode: outcome === 'interrupted' ? ExitCode.interrupted : ExitCode.ok, summary };
}

/** Options, stages, crash recovery and the plan, then the run's row in the catalog. */
async function startPhase2(req: Phase2Request, seams: Phase2Seams): Promise<StartedRun> {
  const { db, cli } = req;
  const clock = cli.clock;
  const options = resolveOptions(req.opts, cli.env);
  const all = await loadAllStages(stageConfigOf(req, options));
  const stages = selectStages(all, options.engine.stages);
  const store = new TaskStore(db);
  const started = clock.now();
  // Taken before the run writes anything, while the disk may still have the room.
  const reserve = keepReserve(req.catalogPath);
  const temps = await sweepTempsAfterCrash(store, req.cacheDir, { pid: process.pid, isAlive: pidAlive });
  for (const f of temps.failed) cli.stderr.write(`indexer: cannot remove ${f}, a temp file left by a killed run: remove it by hand\n`);
  const recovery = recoverDeadOwners(db, store, { now: started, currentRunId: null, pid: process.pid, isAlive: pidAlive });
  const plan = planTasks(db, stages, { now: clock.now(), priority: options.engine.priority, rootIds: req.rootIds });
  const command = seams.command ?? req.command ?? (req.rootIds ? 'scan' : 'resume');
  const runId = startRun(db, { command, pid: process.pid, stages: stages.map((s) => s.name), now: clock.now() });
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
  const tempsRemoved = temps.removed;
  const pendingAtStart = store.pendingByStage(stages.map((s) => s.name));
  return { options, all, stages, store, runId, started, totals, plan, quarantinedAtStart: recovery.quarantined, tempsRemoved, reserve, pendingAtStart };
}

/** The stages' configuration: the resolved options, the command's clock, and stderr for their messages. */
function stageConfigOf(req: Phase2Request, options: Phase2Options): StageConfig {
  return {
    cacheDir: req.cacheDir,
    env: req.cli.env,
    thumbnail: options.thumbnail,
    clip: options.clip,
    output: options.output,
    taskTimeoutMs: options.engine.taskTimeoutMs,
    clock: req.cli.clock,
    // stderr, so stdout stays clean for --json; --quiet silences the informational lines.
    logger: stderrLogger(req.cli.stderr, options.output.quiet),
    options: req.opts,
    selectedStages: options.engine.stages,
  };
}

function displayFor(req: Phase2Request, seams: Phase2Seams, run: StartedRun): ProgressDisplay {
  const quiet = run.options.output.quiet;
  const notice = (line: string) => {
    if (!quiet) req.cli.stderr.write(line + '\n');
  };
  if (seams.events) return { events: seams.events, stop() {}, summary() {}, notice };
  if (req.progress) return req.progress(run.pendingAtStart);
  const line = (m: string) => req.cli.stderr.write(m + '\n');
  return {
    events: { progress() {}, taskFailed: (e) => line(`failed: ${e.reason} [${e.stage}]`), stagePaused: (e) => line(`stage ${e.stage} paused: ${e.reason}`) },
    stop() {},
    summary() {},
    notice,
  };
}

/** Once, before any work: an unwritable cache pauses the stages that write there (cache-check.ts), so do preflights. */
async function pausedBeforeStart(run: StartedRun, cacheDir: string, events: EngineEvents): Promise<Map<string, string>> {
  const { stages, pendingAtStart: pending } = run;
  const paused = new Map<string, string>();
  const cacheProblem = stages.some((s) => s.writesCache) ? cacheWriteProblem(cacheDir) : null;
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
  return paused;
}

/** Runs the pool until the run stops, then closes the pool and the display whatever happened. */
async function runPool(req: Phase2Request, seams: Phase2Seams, run: StartedRun, paused: Map<string, string>, display: ProgressDisplay): Promise<Ran> {
  const { engine } = run.options;
  // Say what the first Ctrl-C does, so nobody presses it again out of doubt (that one exits at once).
  const onAbort = () => display.notice('interrupted: letting running tasks finish for a few seconds (Ctrl-C again to quit now)');
  req.signal.addEventListener('abort', onAbort, { once: true });
  const pool = (seams.pool ?? createWorkerPool)(engine.threads);
  // Suspects run in a process of their own; a test's or benchmark's fake pool runs them itself.
  const isolation = seams.pool ? null : createIsolation();
  try {
    const dependents = dependentsOf(run.all);
    const result = await runTasks({
      db: req.db,
      store: run.store,
      stages: run.stages,
      paused,
      pool,
      clock: req.cli.clock,
      runId: run.runId,
      pid: process.pid,
      cacheDir: req.cacheDir,
      signal: req.signal,
      limits: { maxDurationMs: engine.maxDurationMs, maxTasks: engine.maxTasks, taskTimeoutMs: engine.taskTimeoutMs },
      tuning: { ...defaultTuning, ...drainFromEnv(req.cli.env), ...seams.tuning },
      events: display.events,
      totals: run.totals,
      isolate: isolation?.run,
      forget: forgetter(run.all, dependents),
      dependents,
      mapPath: req.mapPath,
    });
    return { stop: result.stop, result, error: null };
  } catch (error) {
    return { stop: 'failed', result: null, error };
  } finally {
    req.signal.removeEventListener('abort', onAbort);
    display.stop();
    await pool.close();
    isolation?.close();
  }
}

/**
 * The catalog cannot take more writes now: hand this run's tasks back and record what was committed, as far as it
 * still can (whatever it cannot, the next run's recovery does, charging nothing), then throw the fault.
 */
function endOnCatalogFault(req: Phase2Request, run: StartedRun, paused: Map<string, string>, error: unknown): never {
  const { db } = req;
  const bestEffort = (write: () => void) => {
    try {
      write();
    } catch {
      // Give the catalog's log space back (a WAL checkpoint on SQLite), then try once more.
      try {
        reclaimWalSpace(db);
        write();
      } catch {
        // still full: the next run's recovery hands the tasks back, charging nothing
      }
    }
  };
  const now = () => req.cli.clock.now();
  run.reserve.free();
  bestEffort(() => run.store.releaseRun(run.runId, now()));
  bestEffort(() => updateRunCounts(db, run.runId, run.totals));
  bestEffort(() => endRun(db, run.runId, { outcome: 'failed', note: noteFor('failed', paused, run.options.engine, error), now: now() }));
  throw error;
}

function summaryOf(
  req: Phase2Request,
  run: StartedRun,
  ran: Ran,
  end: { outcome: RunOutcome; note: string | null; remaining: Record<string, number>; left: number; paused: Map<string, string> },
): Phase2Summary {
  const durationMs = req.cli.clock.now() - run.started;
  const { totals } = run;
  const perStage = ran.result?.perStage ?? {};
  const worked = totals.done + totals.failed + totals.skipped;
  return {
    run: run.runId,
    outcome: end.outcome,
    stages: Object.fromEntries(
      run.stages.map((s) => [s.name, { ...(perStage[s.name] ?? { done: 0, failed: 0, skipped: 0 }), pending: end.remaining[s.name] ?? 0 }]),
    ),
    ...totals,
    quarantined: run.quarantinedAtStart + (ran.result?.quarantined ?? 0),
    tempsRemoved: run.tempsRemoved,
    canceled: run.plan.canceled,
    planSkipped: run.plan.skipped,
    pending: end.left,
    blocked: Object.values(blockedByStage(req.db)).reduce((a, b) => a + b, 0),
    paused: Object.fromEntries(end.paused),
    offlineRoots: (ran.result?.offlineRoots ?? []).map((r) => r.rootPath),
    tasksPerSecond: tasksPerSecond(worked, durationMs) ?? 0,
    durationMs,
    note: end.note,
  };
}

/** INDEXER_DRAIN_MS: how long in-flight work may finish after Ctrl-C (default 5 s; tests shorten it). */
function drainFromEnv(env: NodeJS.ProcessEnv): Partial<RunnerTuning> {
  const ms = Number(env.INDEXER_DRAIN_MS);
  return env.INDEXER_DRAIN_MS && Number.isFinite(ms) && ms >= 0 ? { drainMs: ms } : {};
}
