/**
 * The scheduler loop: claim -> dispatch to the pool -> (batch step) -> record, with the main thread as the only
 * catalog writer. Its parts have a file each: what each lane may hold in flight (lane-budget.ts), the pool's work and
 * its timers (in-flight.ts), what to claim next (claim-policy.ts) and when to stop (stop-reason.ts); this file ties
 * them to the catalog, the batch step and the commit.
 */
import type { Db } from '../catalog/open.js';
import type { ClaimedTask, TaskStore } from '../catalog/tasks.js';
import { beatRun, type RunCounts } from '../catalog/runs.js';
import type { Clock } from '../types.js';
import type { Lane, StageDefinition, StageOutcome } from '../extract/stage.js';
import type { TaskPool } from './pool.js';
import { commitSettled, commitTransactions, isStageFault, type Settled } from './commit.js';
import { BatchQueue } from './batch.js';
import { defaultBackoff, type BackoffPolicy } from './backoff.js';
import type { EngineEvents, PerStageCounts } from './events.js';
import { inspectSource } from './source-fault.js';
import type { Isolate, IsolatedResult } from './isolated.js';
import { LaneBudget } from './lane-budget.js';
import { InFlightTable, type InFlight } from './in-flight.js';
import { ClaimPolicy } from './claim-policy.js';
import { stopReason, type RunnerLimits, type StopReason } from './stop-reason.js';
import { taskInput, Unanswered } from './answers.js';
import type { MapPath } from './path-map.js';

export type { RunnerLimits, StopReason } from './stop-reason.js';

export interface RunnerTuning {
  leaseMs: number;
  heartbeatMs: number;
  /** After an interrupt, how long in-flight work may finish before it is handed back. */
  drainMs: number;
  flushMs: number;
  flushSize: number;
  progressMs: number;
  random: () => number;
  backoff: BackoffPolicy;
}

export const defaultTuning: RunnerTuning = {
  leaseMs: 60_000,
  heartbeatMs: 10_000,
  drainMs: 5_000,
  flushMs: 50,
  flushSize: 128,
  progressMs: 250,
  random: Math.random,
  backoff: defaultBackoff,
};

export interface RunnerContext {
  db: Db;
  store: TaskStore;
  /** Stages this run executes (paused ones included: they simply claim nothing). */
  stages: StageDefinition[];
  /** Stage name -> why it is paused (preflight); the runner adds circuit-breaker pauses. */
  paused: Map<string, string>;
  pool: TaskPool;
  clock: Clock;
  runId: number;
  pid: number;
  cacheDir: string;
  signal: AbortSignal;
  limits: RunnerLimits;
  tuning: RunnerTuning;
  events: EngineEvents;
  totals: RunCounts;
  /** Drops a file's derived data of a stage and its dependents when the stage's task ends without a result. */
  forget?: (db: Db, fileId: number, stage: string) => void;
  /** Every stage that depends on STAGE (a failed task skips its file's pending dependents). */
  dependents?: (stage: string) => readonly string[];
  /** Runs a suspect alone in a process of its own (isolated.ts); without it suspects run alone in the pool. */
  isolate?: Isolate;
  /** Where this host reads a catalog path (`indexer worker --path-map`); the catalog keeps its own paths. */
  mapPath?: MapPath;
}

export interface RunnerResult {
  stop: StopReason;
  perStage: PerStageCounts;
  /** Roots found gone during the run (now offline; their tasks wait for them). */
  offlineRoots: { rootPath: string; why: string; files: number }[];
  /** Suspects failed for good in this run: they crashed the process that ran them alone every time. */
  quarantined: number;
}

/** Runs claimable tasks until none is left, a limit is reached or the signal aborts. */
export async function runTasks(ctx: RunnerContext): Promise<RunnerResult> {
  return new TaskRun(ctx).run();
}

class TaskRun {
  private readonly byName: Map<string, StageDefinition>;
  private readonly started: number;
  private readonly budget: LaneBudget;
  private readonly inFlight: InFlightTable;
  private readonly claims: ClaimPolicy;
  private readonly batches: BatchQueue;
  private readonly tx: ReturnType<typeof commitTransactions>;
  /** Results waiting to be committed; bounded apart (flushed at flushSize), so they hold no lane slot. */
  private readonly settled: Settled[] = [];
  /** Outcomes whose file a worker found gone or changed, while the main thread looks at the file and its root. */
  private inspecting = 0;
  private readonly unanswered = new Unanswered();
  private readonly offlineRoots: RunnerResult['offlineRoots'] = [];
  private readonly perStage: PerStageCounts = {};
  private quarantined = 0;
  private claimed = 0;
  private stop: StopReason | null = null;
  private drainDeadline = Infinity;
  private lastFlush: number;
  private lastBeat: number;
  private lastProgress = 0;
  /** A lane was skipped as dry, and looked at again since the last dispatch. */
  private lookedAgain = false;
  private wake: () => void = () => {};
  private readonly poke = () => this.wake();

  constructor(private readonly ctx: RunnerContext) {
    const now = ctx.clock.now();
    this.byName = new Map(ctx.stages.map((s) => [s.name, s]));
    this.started = this.lastFlush = this.lastBeat = now;
    this.budget = new LaneBudget(ctx.stages, ctx.pool);
    this.inFlight = new InFlightTable(ctx.pool.threads, ctx.limits.taskTimeoutMs);
    this.claims = new ClaimPolicy(
      this.budget,
      {
        claim: (stages, limit, suspect) => ctx.store.claim({ ...this.lease(), stages, limit, suspect }),
        stagesIn: (lane) => this.stagesIn(lane),
        dispatch: (task, isolated) => this.dispatch(task, isolated),
        occupancy: () => this.inFlight.occupancy(),
      },
      ctx.clock,
    );
    // A lane's in-flight work is what sits in the pool or waits for a batch step.
    this.batches = new BatchQueue(ctx.stages, (items) => {
      for (const i of items) {
        this.budget.release(this.laneOf(i.task.stage));
        if ('outcome' in i && i.outcome.status === 'failed' && isStageFault(i.outcome)) this.pause(i.task.stage, i.outcome.reason);
      }
      this.settled.push(...items);
      this.poke();
    });
    this.tx = commitTransactions(ctx.db);
  }

  async run(): Promise<RunnerResult> {
    const { ctx } = this;
    ctx.signal.addEventListener('abort', this.poke);
    try {
      for (;;) {
        const next = this.step(ctx.clock.now());
        if (next === 'done') break;
        if (next === 'again') continue;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, next);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    } finally {
      ctx.signal.removeEventListener('abort', this.poke);
    }
    ctx.events.progress({ perStage: this.perStage, elapsedMs: ctx.clock.now() - this.started, running: 0 });
    return { stop: this.stop ?? 'complete', perStage: this.perStage, offlineRoots: this.offlineRoots, quarantined: this.quarantined };
  }

  /** One turn of the loop: how long to wait for the next, 'again' to turn at once, or 'done'. */
  private step(now: number): number | 'again' | 'done' {
    const { ctx } = this;
    const { tuning, limits } = ctx;
    const stop = stopReason({ stop: this.stop, aborted: ctx.signal.aborted, started: this.started, claimed: this.claimed }, now, limits);
    if (stop === 'interrupted' && this.stop !== 'interrupted') this.drainDeadline = now + tuning.drainMs;
    this.stop = stop;
    if (stop === 'interrupted' && now >= this.drainDeadline) this.handBack();
    if (stop || this.busy() === 0 || this.settled.length >= tuning.flushSize || now - this.lastFlush >= tuning.flushMs) this.flush();
    this.batches.flushDue(now, !!stop || this.inFlight.size === 0, !!stop);
    if (!stop) this.claims.fill(limits.maxTasks === undefined ? Infinity : limits.maxTasks - this.claimed, this.busy() === 0);
    this.report(now);
    let waitMs = Math.min(tuning.heartbeatMs, tuning.progressMs, tuning.flushMs * 4);
    if (this.busy() === 0) {
      if (stop) return 'done';
      if (!this.lookedAgain && this.budget.anyDry(ctx.clock.now())) {
        // A lane was skipped as dry during this fill: look again before concluding there is nothing left.
        this.lookedAgain = true;
        this.budget.wetAll();
        return 'again';
      }
      // Nothing claimable now: done, unless a task waits out a backoff.
      const next = ctx.store.nextRunAfter(this.stagesIn(null), now);
      if (next === null) {
        this.stop = 'complete';
        return 'done';
      }
      this.budget.wetAll();
      this.claims.lookForSuspects();
      waitMs = Math.min(Math.max(next - now, 1), 1_000);
    }
    if (limits.maxDurationMs !== undefined && !stop) waitMs = Math.min(waitMs, Math.max(1, this.started + limits.maxDurationMs - now));
    if (stop === 'interrupted') waitMs = Math.min(waitMs, Math.max(1, this.drainDeadline - now));
    if (this.settled.length > 0) waitMs = Math.min(waitMs, Math.max(1, this.lastFlush + tuning.flushMs - now));
    return waitMs;
  }

  /** Work in flight, waiting for a batch step, being inspected or waiting to be committed. */
  private busy(): number {
    return this.inFlight.size + this.batches.size + this.settled.length + this.inspecting;
  }

  /** Past the drain deadline of an interrupt: abort what runs, hand back what waits for a batch step. */
  private handBack(): void {
    this.inFlight.abortAll();
    for (const task of this.batches.takeAll()) {
      this.budget.release(this.laneOf(task.stage));
      this.settled.push({ task, release: 'refund' });
    }
  }

  /** The lease heartbeat and the progress event, each at its own interval. */
  private report(now: number): void {
    const { ctx } = this;
    if (now - this.lastBeat >= ctx.tuning.heartbeatMs) {
      ctx.store.heartbeat(ctx.runId, now + ctx.tuning.leaseMs);
      beatRun(ctx.db, ctx.runId, now);
      this.lastBeat = now;
    }
    if (now - this.lastProgress >= ctx.tuning.progressMs) {
      ctx.events.progress({ perStage: this.perStage, elapsedMs: now - this.started, running: this.inFlight.size });
      this.lastProgress = now;
    }
  }

  private dispatch(task: ClaimedTask, isolated: boolean): void {
    const { ctx } = this;
    const stage = this.byName.get(task.stage)!;
    const batched = !isolated && this.budget.batched(stage.lane);
    const entry = this.inFlight.add(task, batched);
    this.lookedAgain = false;
    this.budget.take(stage.lane);
    this.claimed++;
    const hooks = batched ? { batch: true, onStart: () => this.inFlight.started(entry) } : undefined;
    const req = { workerModule: stage.workerModule, input: taskInput(task, stage, ctx.cacheDir, ctx.mapPath) };
    const running: Promise<IsolatedResult> =
      isolated && ctx.isolate ? ctx.isolate(req, entry.controller.signal) : ctx.pool.run(req, entry.controller.signal, hooks);
    void running.then((res) => this.answered(entry, stage, res, isolated));
  }

  /** The pool (or the isolating process) answered for a task. */
  private answered(entry: InFlight, stage: StageDefinition, res: IsolatedResult, isolated: boolean): void {
    const { task } = entry;
    this.inFlight.remove(entry);
    if ('outcome' in res && res.outcome.status === 'done' && stage.batch) {
      this.batches.add(task, res.outcome.value, this.ctx.clock.now());
      return this.poke();
    }
    this.budget.release(stage.lane);
    if ('outcome' in res) {
      const outcome = res.outcome;
      if (outcome.status === 'failed' && outcome.source) return this.inspect(task, outcome);
      if (outcome.status === 'failed' && isStageFault(outcome)) this.pause(task.stage, outcome.reason);
      this.settled.push({ task, outcome });
    } else {
      const isolatedAlone = isolated && !!this.ctx.isolate;
      this.settled.push(this.unanswered.settle(entry, res, { isolated: isolatedAlone, timeoutMs: this.ctx.limits.taskTimeoutMs, now: this.ctx.clock.now() }));
    }
    this.poke();
  }

  /** A worker found the file gone or changed: the main thread looks at the file and its root before committing. */
  private inspect(task: ClaimedTask, outcome: StageOutcome): void {
    this.inspecting++;
    void inspectSource(this.ctx.db, task, this.ctx.mapPath)
      .catch(() => ({ kind: 'file gone' as const }))
      .then((source) => this.settled.push({ task, outcome, source }))
      .finally(() => {
        this.inspecting--;
        this.poke();
      });
  }

  /** Commits what settled, in one transaction per batch (commit.ts), and acts on its effects. */
  private flush(): void {
    const { ctx } = this;
    if (this.settled.length === 0) return;
    const batch = this.settled.splice(0, this.settled.length);
    const effects = commitSettled(
      { db: ctx.db, store: ctx.store, stages: this.byName, runId: ctx.runId, now: ctx.clock.now(), random: ctx.tuning.random, backoff: ctx.tuning.backoff, perStage: this.perStage, totals: ctx.totals, tx: this.tx, forget: ctx.forget, dependents: ctx.dependents },
      batch,
    );
    this.claims.settled();
    this.lastFlush = ctx.clock.now();
    for (const f of effects.failed) ctx.events.taskFailed({ path: f.task.path, stage: f.task.stage, reason: f.reason, attempts: f.task.attempts });
    for (const p of effects.stageFaults) this.pause(p.stage, p.reason);
    this.offlineRoots.push(...effects.offlineRoots);
    this.quarantined += effects.quarantined;
  }

  /** The circuit breaker trips as soon as a fault comes back, before the commit, so no more attempts are spent. */
  private pause(stage: string, reason: string): void {
    if (this.ctx.paused.has(stage)) return;
    this.ctx.paused.set(stage, reason);
    this.ctx.events.stagePaused({ stage, reason });
  }

  private laneOf(stage: string): Lane {
    return this.byName.get(stage)!.lane;
  }

  private stagesIn(lane: Lane | null): string[] {
    return this.ctx.stages.filter((s) => !this.ctx.paused.has(s.name) && (lane === null || s.lane === lane)).map((s) => s.name);
  }

  private lease() {
    return { runId: this.ctx.runId, pid: this.ctx.pid, now: this.ctx.clock.now(), leaseMs: this.ctx.tuning.leaseMs };
  }
}
