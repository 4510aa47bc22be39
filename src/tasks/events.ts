/** What the engine tells the outside world while it runs (progress displays, NDJSON, logs). */
import type { Phase2Summary } from './phase2-summary.js';

/** Stage name -> that stage's results in one run. */
export type PerStageCounts = Record<string, { done: number; failed: number; skipped: number }>;

export interface ProgressSnapshot {
  /** This run's results so far, per stage. */
  perStage: PerStageCounts;
  elapsedMs: number;
  /** Tasks in the worker pool right now. */
  running: number;
}

export interface EngineEvents {
  progress(p: ProgressSnapshot): void;
  /** A task ended failed for good (quarantined): attempts used up or not retryable. */
  taskFailed(e: { path: string; stage: string; reason: string; attempts: number }): void;
  /** A stage stopped claiming: its fault, not the files'. Its tasks stay pending. */
  stagePaused(e: { stage: string; reason: string }): void;
}

export const silentEvents: EngineEvents = { progress() {}, taskFailed() {}, stagePaused() {} };

/**
 * What phase 2 shows while it runs. The CLI picks one (cli/progress-select.ts: NDJSON, bars or log lines) and hands
 * it in; the engine only calls it.
 */
export interface ProgressDisplay {
  events: EngineEvents;
  /** Removes bars and timers (called before anything else is printed). */
  stop(): void;
  /** The end of the phase (the CLI prints its line and any resume hint). */
  summary(summary: Phase2Summary): void;
  /** A message for the user while the display runs. */
  notice(line: string): void;
}

/** Makes the display once the run knows how many tasks each stage has pending (the bars' 100%). */
export type ProgressFactory = (pendingByStage: Record<string, number>) => ProgressDisplay;
