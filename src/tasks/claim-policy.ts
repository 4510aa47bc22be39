/**
 * What to claim next: suspects alone before anything else, then each lane up to its room, round robin so no lane
 * always claims first.
 */
import type { ClaimedTask } from '../catalog/tasks.js';
import type { Lane } from '../extract/stage.js';
import type { Clock } from '../types.js';
import { lanes, type LaneBudget, type PoolOccupancy } from './lane-budget.js';

/** What the policy acts through: the catalog's claim, the pool's dispatch and occupancy. */
export interface ClaimPort {
  /** Claims up to LIMIT tasks of STAGES; SUSPECT: only tasks whose previous owner died running them. */
  claim(stages: string[], limit: number, suspect: boolean): ClaimedTask[];
  /** The unpaused stages of LANE (null: of every lane). */
  stagesIn(lane: Lane | null): string[];
  /** Sends a claimed task to the pool; ISOLATED: a suspect, alone. */
  dispatch(task: ClaimedTask, isolated: boolean): void;
  occupancy(): PoolOccupancy;
}

export class ClaimPolicy {
  private suspectsLeft = true;
  private suspectRunning = false;
  private rr = 0;

  constructor(
    private readonly budget: LaneBudget,
    private readonly port: ClaimPort,
    private readonly clock: Clock,
  ) {}

  /**
   * Claims and dispatches what there is room for. REMAINING: tasks left under --max-tasks (Infinity without it);
   * IDLE: nothing in flight, waiting for a batch step or to be committed.
   */
  fill(remaining: number, idle: boolean): void {
    if (this.suspectRunning || remaining <= 0) return;
    if (this.suspectsLeft) {
      // A task whose previous owner died may be what killed it: run it alone, so only its attempts count.
      if (!idle) return;
      const [task] = this.port.claim(this.port.stagesIn(null), 1, true);
      if (task) {
        this.suspectRunning = true;
        this.port.dispatch(task, true);
        return;
      }
      this.suspectsLeft = false;
    }
    let left = remaining;
    for (let i = 0; i < lanes.length && left > 0; i++) {
      const lane = lanes[(this.rr + i) % lanes.length]!;
      const n = Math.min(this.budget.room(lane, this.port.occupancy()), left);
      if (n <= 0 || this.budget.isDry(lane, this.clock.now())) continue;
      const tasks = this.port.claim(this.port.stagesIn(lane), n, false);
      if (tasks.length < n) this.budget.markDry(lane, this.clock.now());
      for (const t of tasks) this.port.dispatch(t, false);
      left -= tasks.length;
    }
    this.rr++;
  }

  /** What was in flight is committed: a suspect that ran alone is done with, other work may start. */
  settled(): void {
    this.suspectRunning = false;
  }

  /** A task waits out a backoff, and it may be a suspect: look for suspects again before other work. */
  lookForSuspects(): void {
    this.suspectsLeft = true;
  }
}
