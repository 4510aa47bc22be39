/**
 * The scheduler loop: claim -> dispatch to the pool -> (batch step) -> record, with the main thread as the only
 * catalog writer. In-flight work is bounded per lane and by the pool size, so memory stays flat whatever the backlog.
 */
import type { Db } from '../catalog/open.js';
import type { ClaimedTask, TaskStore } from '../catalog/tasks.js';
import type { RunCounts } from '../catalog/runs.js';
import type { Clock } from '../types.js';
import type { Lane, StageDefinition, TaskInput } from '../extract/stage.js';
import type { TaskPool } from './pool.js';
import { commitSettled, commitTransactions, isStageFault, type Settled } from './commit.js';
import { BatchQueue } from './batch.js';
import { durationText } from './duration-text.js';
import { defaultBackoff, type BackoffPolicy } from './backoff.js';
import type { EngineEvents, PerStageCounts } from './events.js';
import { inspectSource } from './source-fault.js';
import type { Isolate, IsolatedResult } from './isolated.js';
import type { MapPath } from './path-map.js';

export interface RunnerLimits {
  maxDurationMs?: number;
  maxTasks?: number;
  taskTimeoutMs?: number;
}

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

export type StopReason = 'complete' | 'interrupted' | 'max-duration' | 'max-tasks';

export interface RunnerResult {
  stop: StopReason;
  perStage: PerStageCounts;
  /** Roots found gone during the run (now offline; their tasks wait for them). */
  offlineRoots: { rootPath: string; why: string; files: number }[];
  /** Suspects failed for good in this run: they crashed the process that ran them alone every time. */
  quarantined: number;
}

interface InFlight {
  task: ClaimedTask;
  controller: AbortController;
  timer?: NodeJS.Timeout;
  timedOut: boolean;
  /** Travels in a batch: the pool says when it starts, and it does not count against the unbatched depth. */
  batched: boolean;
}

const lanes: Lane[] = ['cpu', 'meta', 'inference'];

export async function runTasks(ctx: RunnerContext): Promise<RunnerResult> {
  const { store, clock, tuning } = ctx;
  const byName = new Map(ctx.stages.map((s) => [s.name, s]));
  const started = clock.now();
  const threads = ctx.pool.threads;
  // One queued task per thread hides the pool's round trip.
  const poolDepth = threads * 2;
  // Metadata tasks take a fraction of a millisecond: a pool that batches small tasks (pool-batch.ts) gets them as
  // such, with the deeper queue its batches need.
  const batchDepth = ctx.pool.batchDepthPerThread;
  const batchedLanes: ReadonlySet<Lane> = new Set(batchDepth ? ['meta'] : []);
  const laneCap: Record<Lane, number> = { cpu: poolDepth, meta: batchDepth ? threads * batchDepth : poolDepth, inference: poolDepth };
  for (const s of ctx.stages) if (s.batch) laneCap[s.lane] = Math.max(laneCap[s.lane], s.batch.maxSize * 2);
  const laneBusy: Record<Lane, number> = { cpu: 0, meta: 0, inference: 0 };
  // A lane whose claim came back short is not asked again for a while: with a large backlog blocked on a dependency,
  // asking after every commit would scan the blocked rows over and over. An idle pool looks again at once.
  const dryUntil: Record<Lane, number> = { cpu: 0, meta: 0, inference: 0 };
  const dryMs = 500;
  const anyDry = () => lanes.some((l) => dryUntil[l] > clock.now());
  const wetAll = () => lanes.forEach((l) => (dryUntil[l] = 0));
  const inPool = new Map<number, InFlight>();
  let batchedInPool = 0;
  const settled: Settled[] = [];
  // Outcomes whose file a worker found gone or changed, while the main thread looks at the file and its root.
  let inspecting = 0;
  const offlineRoots: RunnerResult['offlineRoots'] = [];
  let quarantined = 0;
  const perStage: RunnerResult['perStage'] = {};
  let claimed = 0;
  let stop: StopReason | null = null;
  let drainDeadline = Infinity;
  let suspectsLeft = true;
  let suspectRunning = false;
  let lastFlush = clock.now();
  let lastBeat = clock.now();
  let lastProgress = 0;
  let rr = 0;
  let lookedAgain = false;
  let wake: () => void = () => {};
  const poke = () => wake();
  ctx.signal.addEventListener('abort', poke);

  // The circuit breaker trips as soon as a fault comes back, before the commit, so no more attempts are spent.
  const pause = (stage: string, reason: string) => {
    if (ctx.paused.has(stage)) return;
    ctx.paused.set(stage, reason);
    ctx.events.stagePaused({ stage, reason });
  };
  // A lane's in-flight work is what sits in the pool or waits for a batch step; settled results are bounded apart
  // (flushed at flushSize), so they do not hold lane slots.
  const batches = new BatchQueue(ctx.stages, (items) => {
    for (const i of items) {
      laneBusy[laneOf(i.task.stage)]--;
      if ('outcome' in i && i.outcome.status === 'failed' && isStageFault(i.outcome)) pause(i.task.stage, i.outcome.reason);
    }
    settled.push(...items);
    poke();
  });
  const laneOf = (stage: string) => byName.get(stage)!.lane;
  const stagesIn = (lane: Lane | null) =>
    ctx.stages.filter((s) => !ctx.paused.has(s.name) && (lane === null || s.lane === lane)).map((s) => s.name);

  const arm = (entry: InFlight) => {
    const timeout = ctx.limits.taskTimeoutMs;
    if (!timeout || entry.timer || !inPool.has(entry.task.id)) return;
    entry.timer = setTimeout(() => {
      entry.timedOut = true;
      entry.controller.abort();
    }, timeout);
  };
  // The pool runs unbatched tasks first in, first out, one per thread: the first `threads` of them in inPool (a Map
  // keeps dispatch order) are the ones running. Their --task-timeout clock starts now, not while they waited in the
  // queue. Batched tasks are armed when the pool reports their start.
  const armTimers = () => {
    if (!ctx.limits.taskTimeoutMs) return;
    let k = 0;
    for (const entry of inPool.values()) {
      if (entry.batched) continue;
      if (k++ >= threads) break;
      arm(entry);
    }
  };

  // Suspects killed from outside while isolated, per task: once is forgiven; again and it counts as its own crash.
  const outsideKills = new Map<number, number>();
  const dispatch = (task: ClaimedTask, isolated = false) => {
    const stage = byName.get(task.stage)!;
    const input: TaskInput = {
      taskId: task.id,
      fileId: task.fileId,
      stage: task.stage,
      path: ctx.mapPath ? ctx.mapPath(task.path) : task.path,
      kind: task.kind,
      ext: task.ext,
      size: task.size,
      mtimeMs: task.mtimeMs,
      identity: task.identity,
      sidecarPath: ctx.mapPath && task.sidecarPath ? ctx.mapPath(task.sidecarPath) : task.sidecarPath,
      cacheDir: ctx.cacheDir,
      options: stage.options(),
      verify: stage.verifySource ?? 'none',
    };
    const batched = !isolated && batchedLanes.has(stage.lane);
    const entry: InFlight = { task, controller: new AbortController(), timedOut: false, batched };
    const timeout = ctx.limits.taskTimeoutMs;
    inPool.set(task.id, entry);
    if (batched) batchedInPool++;
    else armTimers();
    lookedAgain = false;
    laneBusy[stage.lane]++;
    claimed++;
    const hooks = batched ? { batch: true, onStart: () => arm(entry) } : undefined;
    const req = { workerModule: stage.workerModule, input };
    const running: Promise<IsolatedResult> =
      isolated && ctx.isolate ? ctx.isolate(req, entry.controller.signal) : ctx.pool.run(req, entry.controller.signal, hooks);
    void running.then((res) => {
      clearTimeout(entry.timer);
      inPool.delete(task.id);
      if (batched) batchedInPool--;
      else armTimers();
      if ('outcome' in res && res.outcome.status === 'done' && stage.batch) {
        batches.add(task, res.outcome.value, clock.now());
        return poke();
      }
      laneBusy[stage.lane]--;
      if ('outcome' in res) {
        const outcome = res.outcome;
        if (outcome.status === 'failed' && outcome.source) {
          inspecting++;
          void inspectSource(ctx.db, task, ctx.mapPath)
            .catch(() => ({ kind: 'file gone' as const }))
            .then((source) => settled.push({ task, outcome, source }))
            .finally(() => {
              inspecting--;
              poke();
            });
          return;
        }
        if (outcome.status === 'failed' && isStageFault(outcome)) pause(task.stage, outcome.reason);
        settled.push({ task, outcome });
      } else if ('crashed' in res && isolated && ctx.isolate) {
        settled.push({ task, outcome: { status: 'failed', reason: `${task.path}: ${res.crashed}` }, crashed: true });
      } else if ('crashed' in res) {
        settled.push({ task, outcome: { status: 'failed', reason: `${task.path}: worker crashed: ${res.crashed}` } });
      } else if ('killed' in res) {
        settled.push(outsideKill(task, res.killed));
      } else if (entry.timedOut) {
        const reason = `${task.path}: timed out after ${durationText(timeout!)} (--task-timeout); worker replaced`;
        settled.push({ task, outcome: { status: 'failed', reason, retryable: false } });
      } else {
        settled.push({ task, release: 'refund' });
      }
      poke();
    });
  };

  const fill = () => {
    if (stop || suspectRunning) return;
    let budget = ctx.limits.maxTasks === undefined ? Infinity : ctx.limits.maxTasks - claimed;
    if (budget <= 0) return;
    if (suspectsLeft) {
      // A task whose previous owner died may be what killed it: run it alone, so only its attempts count.
      if (inPool.size > 0 || batches.size > 0 || settled.length > 0 || inspecting > 0) return;
      const [task] = store.claim({ ...lease(), stages: stagesIn(null), limit: 1, suspect: true });
      if (task) {
        suspectRunning = true;
        dispatch(task, true);
        return;
      }
      suspectsLeft = false;
    }
    // Claim in small batches, not one task per completion: a claim is a write transaction. Unbatched tasks wait for
    // half the pool depth to free up (the pool still has `threads` queued or running); batched ones for half theirs.
    const roomFor = (lane: Lane): number => {
      if (batchedLanes.has(lane)) {
        const free = laneCap[lane] - batchedInPool;
        return batchedInPool > 0 && free < laneCap[lane] / 2 ? 0 : free;
      }
      const unbatched = inPool.size - batchedInPool;
      const free = poolDepth - unbatched;
      return unbatched > threads && free < poolDepth - threads ? 0 : free;
    };
    for (let i = 0; i < lanes.length && budget > 0; i++) {
      const lane = lanes[(rr + i) % lanes.length]!;
      const n = Math.min(roomFor(lane), laneCap[lane] - laneBusy[lane], budget);
      if (n <= 0 || dryUntil[lane] > clock.now()) continue;
      const tasks = store.claim({ ...lease(), stages: stagesIn(lane), limit: n, suspect: false });
      if (tasks.length < n) dryUntil[lane] = clock.now() + dryMs;
      tasks.forEach((t) => dispatch(t));
      budget -= tasks.length;
    }
    rr++;
  };

  const outsideKill = (task: ClaimedTask, signal: string): Settled => {
    const kills = (outsideKills.get(task.id) ?? 0) + 1;
    outsideKills.set(task.id, kills);
    if (kills < 2) return { task, release: 'refund', runAfter: clock.now() + 2_000 };
    // The process running it alone is killed every time: most likely the OOM killer, for this task's memory.
    return { task, outcome: { status: 'failed', reason: `${task.path}: the process running it alone was killed (${signal}) twice in a row (out of memory?)` }, crashed: true };
  };

  const lease = () => ({ runId: ctx.runId, pid: ctx.pid, now: clock.now(), leaseMs: tuning.leaseMs });

  const tx = commitTransactions(ctx.db);
  const flush = () => {
    if (settled.length === 0) return;
    const batch = settled.splice(0, settled.length);
    const effects = commitSettled(
      { db: ctx.db, store, stages: byName, runId: ctx.runId, now: clock.now(), random: tuning.random, backoff: tuning.backoff, perStage, totals: ctx.totals, tx, forget: ctx.forget, dependents: ctx.dependents },
      batch,
    );
    suspectRunning = false;
    lastFlush = clock.now();
    for (const f of effects.failed) ctx.events.taskFailed({ path: f.task.path, stage: f.task.stage, reason: f.reason, attempts: f.task.attempts });
    for (const p of effects.stageFaults) pause(p.stage, p.reason);
    offlineRoots.push(...effects.offlineRoots);
    quarantined += effects.quarantined;
  };

  try {
    for (;;) {
      const now = clock.now();
      if (!stop && ctx.signal.aborted) {
        stop = 'interrupted';
        drainDeadline = now + tuning.drainMs;
      }
      if (!stop && ctx.limits.maxDurationMs !== undefined && now - started >= ctx.limits.maxDurationMs) stop = 'max-duration';
      if (!stop && ctx.limits.maxTasks !== undefined && claimed >= ctx.limits.maxTasks) stop = 'max-tasks';
      if (stop === 'interrupted' && now >= drainDeadline) {
        for (const e of inPool.values()) e.controller.abort();
        for (const task of batches.takeAll()) {
          laneBusy[laneOf(task.stage)]--;
          settled.push({ task, release: 'refund' });
        }
      }
      const busy = inPool.size + batches.size + settled.length + inspecting;
      if (stop || busy === 0 || settled.length >= tuning.flushSize || now - lastFlush >= tuning.flushMs) flush();
      if (stop || inPool.size === 0) batches.flushDue(now, true);
      else batches.flushDue(now, false);
      fill();
      if (now - lastBeat >= tuning.heartbeatMs) {
        store.heartbeat(ctx.runId, now + tuning.leaseMs);
        lastBeat = now;
      }
      if (now - lastProgress >= tuning.progressMs) {
        ctx.events.progress({ perStage, elapsedMs: now - started, running: inPool.size });
        lastProgress = now;
      }
      let waitMs = Math.min(tuning.heartbeatMs, tuning.progressMs, tuning.flushMs * 4);
      if (inPool.size + batches.size + settled.length + inspecting === 0) {
        if (stop) break;
        if (!lookedAgain && anyDry()) {
          lookedAgain = true;
          // A lane was skipped as dry during this fill: look again before concluding there is nothing left.
          wetAll();
          continue;
        }
        // Nothing claimable now: done, unless a task waits out a backoff.
        const next = store.nextRunAfter(stagesIn(null), now);
        if (next === null) {
          stop = 'complete';
          break;
        }
        wetAll();
        suspectsLeft = true; // a suspect may be what waits out its backoff
        waitMs = Math.min(Math.max(next - now, 1), 1_000);
      }
      if (ctx.limits.maxDurationMs !== undefined && !stop) waitMs = Math.min(waitMs, Math.max(1, started + ctx.limits.maxDurationMs - now));
      if (stop === 'interrupted') waitMs = Math.min(waitMs, Math.max(1, drainDeadline - now));
      if (settled.length > 0) waitMs = Math.min(waitMs, Math.max(1, lastFlush + tuning.flushMs - now));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, waitMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    ctx.signal.removeEventListener('abort', poke);
  }
  ctx.events.progress({ perStage, elapsedMs: clock.now() - started, running: 0 });
  return { stop: stop ?? 'complete', perStage, offlineRoots, quarantined };
}
