/**
 * How a phase-2 run ended: its outcome and note (recorded in the runs table), and the summary that `scan` and
 * `resume` print at the end and put under "extract" in their --json object.
 */
import type { RunCounts, RunOutcome } from '../catalog/runs.js';
import { durationText } from './duration-text.js';
import type { EngineOptions } from './options.js';
import { pausedPart } from './run-note.js';
import type { StopReason } from './stop-reason.js';

export type Phase2Summary = RunCounts & {
  run: number;
  outcome: RunOutcome;
  /** Per stage of this run: its results, and its tasks still pending. */
  stages: Record<string, { done: number; failed: number; skipped: number; pending: number }>;
  /** Suspects failed for good (they crashed the process that ran them alone every time), this run and its recovery. */
  quarantined: number;
  /** Temp files a killed run left in the cache, removed at start. */
  tempsRemoved: number;
  canceled: number;
  planSkipped: number;
  pending: number;
  /** Pending but waiting on a failed or canceled dependency. */
  blocked: number;
  /** Stage -> why it was paused. */
  paused: Record<string, string>;
  offlineRoots: string[];
  tasksPerSecond: number;
  durationMs: number;
  note: string | null;
};

/** What the end-of-phase line and the resume hint read of a summary. */
export type Phase2SummaryLine = Pick<Phase2Summary, 'done' | 'failed' | 'skipped' | 'pending' | 'durationMs' | 'tasksPerSecond' | 'outcome'> &
  Partial<Pick<Phase2Summary, 'paused'>>;

/** The run's outcome from why it stopped and how many tasks are LEFT pending. */
export function outcomeOf(stop: StopReason | 'failed', left: number): RunOutcome {
  if (stop === 'failed') return 'failed';
  if (stop === 'interrupted') return 'interrupted';
  return stop === 'complete' || left === 0 ? 'complete' : 'limit';
}

/** The run's note: why it stopped early, what failed, which stages were paused and why. */
export function noteFor(stop: StopReason | 'failed', paused: Map<string, string>, o: EngineOptions, error: unknown): string | null {
  const parts: string[] = [];
  if (stop === 'max-duration') parts.push(`stopped at --max-duration ${durationText(o.maxDurationGivenMs ?? o.maxDurationMs!)}`);
  if (stop === 'max-tasks') parts.push(`stopped at --max-tasks ${o.maxTasks}`);
  if (stop === 'interrupted') parts.push('interrupted by a signal');
  if (error) parts.push(`failed: ${(error as Error).message}`);
  for (const [stage, reason] of paused) parts.push(pausedPart(stage, reason));
  return parts.length ? parts.join('; ') : null;
}
