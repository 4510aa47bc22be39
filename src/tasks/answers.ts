/** What goes to a worker for a task, and what a task that came back without an outcome settles as. */
import type { ClaimedTask } from '../catalog/tasks.js';
import type { StageDefinition, StageOutcome, TaskInput } from '../extract/stage.js';
import type { Settled } from './commit.js';
import { durationText } from './duration-text.js';
import type { InFlight } from './in-flight.js';
import type { IsolatedResult } from './isolated.js';
import type { MapPath } from './path-map.js';

/** What a worker gets for one task: plain data, so it crosses the thread boundary. */
/** `mapPath`: where this host reads a catalog path (`indexer worker --path-map`); the catalog keeps its own paths. */
export function taskInput(task: ClaimedTask, stage: StageDefinition, cacheDir: string, mapPath?: MapPath): TaskInput {
  return {
    taskId: task.id,
    fileId: task.fileId,
    stage: task.stage,
    path: mapPath ? mapPath(task.path) : task.path,
    kind: task.kind,
    ext: task.ext,
    size: task.size,
    mtimeMs: task.mtimeMs,
    identity: task.identity,
    sidecarPath: mapPath && task.sidecarPath ? mapPath(task.sidecarPath) : task.sidecarPath,
    cacheDir,
    options: stage.options(),
    verify: stage.verifySource ?? 'none',
  };
}

/** Crashed, killed, timed out, or aborted by an interrupt. */
export type NoOutcome = Exclude<IsolatedResult, { outcome: StageOutcome }>;

export class Unanswered {
  /** Suspects killed from outside while isolated, per task: once is forgiven; again and it counts as its own crash. */
  private readonly outsideKills = new Map<number, number>();

  /**
   * ISOLATED: the task ran alone in a process of its own (isolated.ts), whose crash is the task's; TIMEOUT_MS: the
   * --task-timeout that fired, if ENTRY timed out.
   */
  settle(entry: InFlight, res: NoOutcome, o: { isolated: boolean; timeoutMs: number | undefined; now: number }): Settled {
    const { task } = entry;
    if ('crashed' in res && o.isolated) return { task, outcome: { status: 'failed', reason: `${task.path}: ${res.crashed}` }, crashed: true };
    if ('crashed' in res) return { task, outcome: { status: 'failed', reason: `${task.path}: worker crashed: ${res.crashed}` } };
    if ('killed' in res) return this.outsideKill(task, res.killed, o.now);
    if (entry.timedOut) {
      const reason = `${task.path}: timed out after ${durationText(o.timeoutMs!)} (--task-timeout); worker replaced`;
      return { task, outcome: { status: 'failed', reason, retryable: false } };
    }
    return { task, release: 'refund' };
  }

  private outsideKill(task: ClaimedTask, signal: string, now: number): Settled {
    const kills = (this.outsideKills.get(task.id) ?? 0) + 1;
    this.outsideKills.set(task.id, kills);
    if (kills < 2) return { task, release: 'refund', runAfter: now + 2_000 };
    // The process running it alone is killed every time: most likely the OOM killer, for this task's memory.
    const reason = `${task.path}: the process running it alone was killed (${signal}) twice in a row (out of memory?)`;
    return { task, outcome: { status: 'failed', reason }, crashed: true };
  }
}
