/**
 * A scan's counts say what the catalog holds afterwards: a write transaction counts into a delta of its own, added to
 * the scan's counts only once it has committed. When it fails (the catalog's disk is full), its rows are rolled back
 * and so is its share of the counts, so `status` and the scan's record never claim rows that were never written.
 */
import { zeroCounts, type ScanCounts } from '../catalog/scans.js';

export function countCommitted(counts: ScanCounts, write: (delta: ScanCounts) => void): void {
  const delta = zeroCounts();
  write(delta);
  for (const key of Object.keys(delta) as (keyof ScanCounts)[]) counts[key] += delta[key];
}
