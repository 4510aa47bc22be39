/** What the engine tells the outside world while it runs (progress displays, NDJSON, logs). */

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
