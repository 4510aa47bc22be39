/** The phase-2 summary: what `scan` and `resume` print at the end and put under "extract" in their --json object. */
import type { RunCounts, RunOutcome } from '../catalog/runs.js';

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
