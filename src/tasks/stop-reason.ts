/** When a run stops claiming, as a pure function of where it stands. */

export interface RunnerLimits {
  maxDurationMs?: number;
  maxTasks?: number;
  taskTimeoutMs?: number;
}

export type StopReason = 'complete' | 'interrupted' | 'max-duration' | 'max-tasks';

export interface RunState {
  /** The reason already decided, if any: a run that stopped stays stopped, for the first reason found. */
  stop: StopReason | null;
  /** The first SIGINT/SIGTERM came. */
  aborted: boolean;
  /** When the run started (clock ms). */
  started: number;
  /** Tasks claimed so far. */
  claimed: number;
}

/** Why the run stops claiming at NOW, or null while it goes on. An interrupt wins over the limits reached with it. */
export function stopReason(state: RunState, now: number, limits: RunnerLimits): StopReason | null {
  if (state.stop) return state.stop;
  if (state.aborted) return 'interrupted';
  if (limits.maxDurationMs !== undefined && now - state.started >= limits.maxDurationMs) return 'max-duration';
  if (limits.maxTasks !== undefined && state.claimed >= limits.maxTasks) return 'max-tasks';
  return null;
}
