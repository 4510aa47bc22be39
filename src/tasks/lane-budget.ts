/**
 * How much work each lane may have in flight, and whether it is worth asking the catalog for more of it. In-flight
 * work is bounded per lane and by the pool's queue, so memory stays flat whatever the backlog.
 */
import type { Lane, StageDefinition } from '../extract/stage.js';

export const lanes: readonly Lane[] = ['cpu', 'meta', 'inference'];

/** What the budget needs to know of the pool: its threads, and how deep it batches small tasks (if it does). */
export interface PoolShape {
  threads: number;
  batchDepthPerThread?: number;
}

/** Tasks in the pool now, and how many of them travel in batches. */
export interface PoolOccupancy {
  inPool: number;
  batchedInPool: number;
}

/** A lane whose claim came back short is not asked again for this long (see markDry). */
export const dryMs = 500;

export class LaneBudget {
  readonly threads: number;
  /** Unbatched tasks kept queued or running in the pool: one queued task per thread hides the pool's round trip. */
  readonly poolDepth: number;
  private readonly cap: Record<Lane, number>;
  private readonly busy: Record<Lane, number> = { cpu: 0, meta: 0, inference: 0 };
  private readonly dryUntil: Record<Lane, number> = { cpu: 0, meta: 0, inference: 0 };
  private readonly batchedLanes: ReadonlySet<Lane>;

  constructor(stages: readonly StageDefinition[], pool: PoolShape) {
    this.threads = pool.threads;
    this.poolDepth = pool.threads * 2;
    // Metadata tasks take a fraction of a millisecond: a pool that batches small tasks (pool-batch.ts) gets them as
    // such, with the deeper queue its batches need.
    const batchDepth = pool.batchDepthPerThread;
    this.batchedLanes = new Set(batchDepth ? ['meta'] : []);
    this.cap = { cpu: this.poolDepth, meta: batchDepth ? pool.threads * batchDepth : this.poolDepth, inference: this.poolDepth };
    // A batch stage needs two batches in flight: one in its batch step, the next being prepared by the workers.
    for (const s of stages) if (s.batch) this.cap[s.lane] = Math.max(this.cap[s.lane], s.batch.maxSize * 2);
  }

  /** Whether the lane's tasks travel in the pool's batches. */
  batched(lane: Lane): boolean {
    return this.batchedLanes.has(lane);
  }

  /** A task of LANE went in flight (in the pool, or waiting for a batch step). */
  take(lane: Lane): void {
    this.busy[lane]++;
  }

  /** A task of LANE settled: its slot is free. */
  release(lane: Lane): void {
    this.busy[lane]--;
  }

  busyIn(lane: Lane): number {
    return this.busy[lane];
  }

  /**
   * How many tasks of LANE to claim now. Claims come in small batches, not one task per completion (a claim is a
   * write transaction): unbatched lanes wait for half the pool depth to free up (the pool still has `threads` queued
   * or running), batched ones for half theirs.
   */
  room(lane: Lane, pool: PoolOccupancy): number {
    const cap = this.cap[lane];
    let free: number;
    if (this.batchedLanes.has(lane)) {
      free = cap - pool.batchedInPool;
      if (pool.batchedInPool > 0 && free < cap / 2) free = 0;
    } else {
      const unbatched = pool.inPool - pool.batchedInPool;
      free = this.poolDepth - unbatched;
      if (unbatched > this.threads && free < this.poolDepth - this.threads) free = 0;
    }
    return Math.min(free, cap - this.busy[lane]);
  }

  /**
   * A claim for LANE came back short: with a large backlog blocked on a dependency, asking after every commit would
   * scan the blocked rows over and over.
   */
  markDry(lane: Lane, now: number): void {
    this.dryUntil[lane] = now + dryMs;
  }

  isDry(lane: Lane, now: number): boolean {
    return this.dryUntil[lane] > now;
  }

  anyDry(now: number): boolean {
    return lanes.some((l) => this.isDry(l, now));
  }

  /** An idle pool looks again at once. */
  wetAll(): void {
    for (const l of lanes) this.dryUntil[l] = 0;
  }
}
