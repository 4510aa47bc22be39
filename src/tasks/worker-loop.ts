/**
 * `indexer worker`: rounds of phase 2 (the same engine as scan and resume: runPhase2) against a catalog, with what
 * lies between the rounds: waiting for new work (--follow), the --max-duration budget over all rounds, and, on
 * PostgreSQL, riding out a lost server (stop claiming, reconnect with backoff, go on).
 *
 * A round ends when nothing is claimable. Another round starts when something says there may be work again: a scan
 * started or ended, the pending count changed (a retry, tasks another worker handed back), or another process holds
 * tasks whose lease ran out (a worker that died: the next round's recovery takes them back), or claimable tasks are
 * still there (the round met them locked by another worker's claim or planning: SKIP LOCKED passed them by).
 */
import type { Phase2Summary } from './phase2-summary.js';
import { ExitCode } from '../errors.js';
import type { Clock } from '../types.js';
import type { Phase2Result } from './phase2.js';


/** What a worker reads between rounds (catalog/worker-queries.ts). */
export interface WorkLook {
  /** Changes when a scan starts or ends. */
  scans: string;
  /** Pending tasks of the worker's stages. */
  pending: number;
  /** Tasks of the worker's stages that some process holds, and the earliest end of their leases. */
  running: number;
  firstExpiry: number | null;
  /** Whether a task of the stages the round ran (paused ones left out) could be claimed now. */
  claimable: boolean;
}

export interface WorkerLoopDeps {
  clock: Clock;
  /** Aborted on the first SIGINT/SIGTERM. */
  signal: AbortSignal;
  follow: boolean;
  maxDurationMs?: number;
  /** --max-tasks over all rounds. */
  maxTasks?: number;
  /** Told each time the worker (with --follow) finds nothing left and starts waiting. */
  onIdle?: () => void;
  /** Wait for other holders' tasks before exiting (PostgreSQL: workers elsewhere may die and leave them). */
  waitForHolders: boolean;
  /** How often an idle worker looks again (a NOTIFY wakes it sooner on PostgreSQL). */
  pollMs: number;
  /**
   * One round of phase 2 under what is left of --max-duration, with the scans' signature read just before it planned
   * (a scan that starts or ends after that may have added files the round did not plan).
   */
  round(limits: { maxDurationMs?: number; maxTasks?: number }): Promise<{ result: Phase2Result; scansBefore: string }>;
  /** What the catalog says now about the worker's stages (`runnable`: those the last round did not pause). */
  look(stages: readonly string[], runnable: readonly string[]): WorkLook;
  /** Resolves after `ms`, on a wake-up (NOTIFY), or on abort, whichever comes first. */
  idle(ms: number): Promise<void>;
  /** Whether an error is the catalog server going away (CatalogUnavailableError); never true on SQLite. */
  isUnavailable(err: unknown): boolean;
  /** Connects again; throws what isUnavailable recognises while the server is still away. */
  reconnect(): Promise<void>;
  /** One line on stderr. */
  notice(line: string): void;
  /** Waits between reconnects and before coming back for locked tasks (a fake in tests); resolves early on abort only. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface WorkerOutcome {
  exitCode: number;
  /** The rounds' counts added up; under "extract" in --json output, like resume's. */
  summary: Record<string, unknown> & Pick<Phase2Summary, 'done' | 'failed' | 'skipped' | 'pending'>;
}

/** Reconnect delays: 1 s doubling to 30 s, then every 30 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.min(attempt, 5));
}

export async function runWorkerLoop(d: WorkerLoopDeps): Promise<WorkerOutcome> {
  const started = d.clock.now();
  const total = new SummaryTotal();
  const left = () => (d.maxDurationMs === undefined ? undefined : d.maxDurationMs - (d.clock.now() - started));
  let stages: string[] = [];
  let runnable: string[] = [];
  // Rounds in a row that ended with nothing done: the pause before coming back for claimable tasks grows with them.
  let emptyRounds = 0;
  const interrupted = () => total.finish('interrupted', ExitCode.interrupted, d.clock.now() - started);
  for (;;) {
    if (d.signal.aborted) return interrupted();
    const budget = left();
    const tasksLeft = d.maxTasks === undefined ? undefined : d.maxTasks - total.worked();
    if ((budget !== undefined && budget <= 0) || (tasksLeft !== undefined && tasksLeft <= 0)) {
      return total.finish('limit', ExitCode.ok, d.clock.now() - started);
    }
    let result: Phase2Result;
    let scansBefore: string;
    try {
      ({ result, scansBefore } = await d.round({ maxDurationMs: budget, maxTasks: tasksLeft }));
    } catch (err) {
      // A signal while a round waited for the catalog (SQLite's writer lock): stopped, with what was done so far.
      if (d.signal.aborted && total.roundsRun() === 0 && !d.isUnavailable(err)) throw err;
      if (d.signal.aborted) return interrupted();
      if (!d.isUnavailable(err)) throw err;
      if (!(await reconnect(d, err))) return interrupted();
      continue;
    }
    const workedBefore = total.worked();
    total.add({ ...result.summary });
    stages = Object.keys((result.summary.stages as Record<string, unknown> | undefined) ?? {});
    const paused = (result.summary.paused as Record<string, unknown> | undefined) ?? {};
    runnable = stages.filter((s) => !(s in paused));
    emptyRounds = total.worked() > workedBefore ? 0 : emptyRounds + 1;
    if (result.exitCode !== ExitCode.ok) return total.finish('interrupted', result.exitCode, d.clock.now() - started);
    const budgetAfter = left();
    if (d.maxTasks !== undefined && total.worked() >= d.maxTasks) return total.finish('limit', ExitCode.ok, d.clock.now() - started);
    if (budgetAfter !== undefined && budgetAfter <= 0) return total.finish('limit', ExitCode.ok, d.clock.now() - started);
    if (!d.follow && !d.waitForHolders) return total.finish(String(result.summary.outcome), ExitCode.ok, d.clock.now() - started);
    const after = { scans: scansBefore, pending: Number(result.summary.pending ?? 0), retryMs: retryDelayMs(emptyRounds, d.pollMs) };
    const next = await waitForWork(d, { stages, runnable }, after, left);
    if (next === 'interrupted') return interrupted();
    if (next === 'limit') return total.finish('limit', ExitCode.ok, d.clock.now() - started);
    if (next === 'done') return total.finish(String(result.summary.outcome), ExitCode.ok, d.clock.now() - started);
  }
}

/**
 * How long to wait before coming back for claimable tasks the last rounds could not take: at once after a round that
 * worked, then 100 ms doubling up to the poll interval while rounds keep finding them locked (a long planning).
 */
export function retryDelayMs(emptyRounds: number, pollMs: number): number {
  return emptyRounds === 0 ? 0 : Math.min(pollMs, 100 * 2 ** Math.min(emptyRounds - 1, 16));
}

/**
 * Between rounds (`after`: the scans' signature before the round planned, the pending count when it ended, the
 * pause before coming back for claimable tasks): 'again' when there may be work, 'done' when a worker without
 * --follow has nothing left to wait for, 'limit' at --max-duration, 'interrupted' on a signal.
 */
async function waitForWork(
  d: WorkerLoopDeps,
  ours: { stages: readonly string[]; runnable: readonly string[] },
  after: { scans: string; pending: number; retryMs: number },
  left: () => number | undefined,
): Promise<'again' | 'done' | 'limit' | 'interrupted'> {
  // Pending tasks going down is other workers claiming; going up from the lowest seen is new work (planned by a
  // scan, re-armed by retry, handed back by a worker that stopped).
  let lowest = after.pending;
  let told = false;
  for (;;) {
    if (d.signal.aborted) return 'interrupted';
    let now: WorkLook;
    try {
      now = d.look(ours.stages, ours.runnable);
    } catch (err) {
      if (!d.isUnavailable(err)) throw err;
      if (!(await reconnect(d, err))) return 'interrupted';
      return 'again';
    }
    // A scan that started or ended while the round ran (PostgreSQL: nothing stops one) may have added files.
    if (now.scans !== after.scans || now.pending > lowest) return 'again';
    lowest = Math.min(lowest, now.pending);
    // Claimable tasks nobody holds are this worker's business whatever the counts did: never 'done' past them. The
    // pause is a plain sleep: a NOTIFY (this worker's own run ending, to begin with) must not cut it short.
    if (now.claimable) {
      const budget = left();
      if (after.retryMs > 0) await (d.sleep ?? sleep)(budget === undefined ? after.retryMs : Math.max(1, Math.min(after.retryMs, budget)), d.signal);
      return d.signal.aborted ? 'interrupted' : 'again';
    }
    if (now.running > 0 && now.firstExpiry !== null && now.firstExpiry <= d.clock.now()) return 'again';
    if (!d.follow && (now.running === 0 || !d.waitForHolders)) return 'done';
    const budget = left();
    if (budget !== undefined && budget <= 0) return 'limit';
    if (d.follow && !told) {
      told = true;
      d.onIdle?.();
    }
    let wait = d.pollMs;
    if (now.firstExpiry !== null) wait = Math.min(wait, Math.max(100, now.firstExpiry - d.clock.now() + 50));
    if (budget !== undefined) wait = Math.min(wait, Math.max(1, budget));
    await d.idle(wait);
  }
}

/** Retries the connection until it comes back (true) or a signal ends the wait (false). */
async function reconnect(d: WorkerLoopDeps, first: unknown): Promise<boolean> {
  let cause = describe(first);
  for (let attempt = 0; ; attempt++) {
    const delay = reconnectDelayMs(attempt);
    d.notice(`indexer: lost the catalog server (${cause}); claiming stopped, connecting again in ${delay / 1000}s`);
    await (d.sleep ?? sleep)(delay, d.signal);
    if (d.signal.aborted) return false;
    try {
      await d.reconnect();
      d.notice('indexer: the catalog server is back; going on');
      return true;
    } catch (err) {
      if (!d.isUnavailable(err)) throw err;
      cause = describe(err);
    }
  }
}

function describe(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
}

/** Resolves after `ms`, on abort, or when the function handed to `wakeWith` is called (a NOTIFY). */
export function sleep(ms: number, signal: AbortSignal, wakeWith?: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      wakeWith?.(() => undefined);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    wakeWith?.(done);
  });
}

const COUNTS = ['planned', 'rearmed', 'coalesced', 'recovered', 'done', 'failed', 'skipped', 'released', 'quarantined', 'tempsRemoved', 'canceled'];

/** The rounds' summaries as one: counts added, per-stage counts added, what is left taken from the last round. */
class SummaryTotal {
  private rounds = 0;
  private last: Record<string, unknown> = {};
  private readonly counts: Record<string, number> = {};
  private readonly stages: Record<string, Record<string, number>> = {};
  private readonly runs: unknown[] = [];

  add(s: Record<string, unknown>): void {
    this.rounds++;
    this.last = s;
    this.runs.push(s.run);
    for (const k of COUNTS) this.counts[k] = (this.counts[k] ?? 0) + Number(s[k] ?? 0);
    for (const [name, c] of Object.entries((s.stages as Record<string, Record<string, number>>) ?? {})) {
      const into = (this.stages[name] ??= { done: 0, failed: 0, skipped: 0, pending: 0 });
      for (const k of ['done', 'failed', 'skipped']) into[k]! += Number(c[k] ?? 0);
      into.pending = Number(c.pending ?? 0);
    }
  }

  roundsRun(): number {
    return this.rounds;
  }

  /** Tasks that ended (done, failed, skipped) or were handed back over all rounds: what --max-tasks counts. */
  worked(): number {
    return ['done', 'failed', 'skipped', 'released'].reduce((n, k) => n + (this.counts[k] ?? 0), 0);
  }

  finish(outcome: string, exitCode: number, durationMs: number): WorkerOutcome {
    const worked = (this.counts.done ?? 0) + (this.counts.failed ?? 0) + (this.counts.skipped ?? 0);
    const summary = {
      ...this.last,
      ...this.counts,
      outcome: this.rounds === 0 && outcome !== 'interrupted' ? 'complete' : outcome,
      rounds: this.rounds,
      runs: this.runs,
      stages: this.stages,
      done: this.counts.done ?? 0,
      failed: this.counts.failed ?? 0,
      skipped: this.counts.skipped ?? 0,
      pending: Number(this.last.pending ?? 0),
      durationMs,
      tasksPerSecond: durationMs > 0 ? Math.round((worked / durationMs) * 1000 * 10) / 10 : 0,
    };
    return { exitCode, summary };
  }
}
