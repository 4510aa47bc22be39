/**
 * When to sweep the cache's orphaned temp files (extract/cache-temps.ts): when a run finds work leased by a process
 * that is gone. Only a process killed mid-task leaves a temp file (every cache write happens inside a task), so a
 * clean history costs no walk of the cache. It runs before the dead leases are recovered: a kill during the sweep
 * leaves them in place, and the next run sweeps again.
 */
import type { TaskStore } from '../catalog/tasks.js';
import { deadOwner } from './plan.js';
import { sweepOrphanedTemps, type TempSweep } from '../extract/cache-temps.js';

export async function sweepTempsAfterCrash(
  store: TaskStore,
  cacheDir: string,
  opts: { pid: number; isAlive: (pid: number) => boolean; host?: string },
): Promise<TempSweep> {
  // Only an owner on this host can be judged by its pid (and only its temp files are ours to judge).
  const dead = deadOwner(opts);
  const crashed = store.leaseOwners().some(dead);
  if (!crashed) return { removed: 0, failed: [] };
  return sweepOrphanedTemps(cacheDir, opts.isAlive, opts.pid);
}
