/**
 * The tasks handed to the pool and not yet answered, each with its abort controller and its --task-timeout timer.
 *
 * The pool runs unbatched tasks first in, first out, one per thread: the first `threads` of them here (a Map keeps
 * dispatch order) are the ones running. Their timeout clock starts when they reach a thread, not while they wait in
 * the pool's queue. Batched tasks are armed when the pool reports their start (started()).
 */
import type { ClaimedTask } from '../catalog/tasks.js';
import type { PoolOccupancy } from './lane-budget.js';

export interface InFlight {
  task: ClaimedTask;
  controller: AbortController;
  /** Set once the task's timeout fired (its abort is then a timeout, not an interrupt). */
  timedOut: boolean;
  /** Travels in a batch: the pool says when it starts, and it does not count against the unbatched depth. */
  batched: boolean;
}

/** Timer functions, so tests can fire a timeout without waiting for it. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class InFlightTable {
  private readonly entries = new Map<number, InFlight>();
  private readonly handles = new Map<InFlight, unknown>();
  private batchedCount = 0;

  /** TIMEOUT_MS: --task-timeout (undefined: never). */
  constructor(
    private readonly threads: number,
    private readonly timeoutMs: number | undefined,
    private readonly timers: Timers = realTimers,
  ) {}

  add(task: ClaimedTask, batched: boolean): InFlight {
    const entry: InFlight = { task, controller: new AbortController(), timedOut: false, batched };
    this.entries.set(task.id, entry);
    if (batched) this.batchedCount++;
    else this.armRunning();
    return entry;
  }

  /** The pool reports that a batched task reached a thread. */
  started(entry: InFlight): void {
    this.arm(entry);
  }

  /** The pool answered for ENTRY: it leaves the table, and the next queued task is now running. */
  remove(entry: InFlight): void {
    this.timers.clear(this.handles.get(entry));
    this.handles.delete(entry);
    this.entries.delete(entry.task.id);
    if (entry.batched) this.batchedCount--;
    else this.armRunning();
  }

  abortAll(): void {
    for (const e of this.entries.values()) e.controller.abort();
  }

  get size(): number {
    return this.entries.size;
  }

  occupancy(): PoolOccupancy {
    return { inPool: this.entries.size, batchedInPool: this.batchedCount };
  }

  private arm(entry: InFlight): void {
    const timeout = this.timeoutMs;
    if (!timeout || this.handles.has(entry) || !this.entries.has(entry.task.id)) return;
    const handle = this.timers.set(() => {
      entry.timedOut = true;
      entry.controller.abort();
    }, timeout);
    this.handles.set(entry, handle);
  }

  private armRunning(): void {
    if (!this.timeoutMs) return;
    let k = 0;
    for (const entry of this.entries.values()) {
      if (entry.batched) continue;
      if (k++ >= this.threads) break;
      this.arm(entry);
    }
  }
}
