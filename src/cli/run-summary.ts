/**
 * `--log-summary`: every run ends with one timestamped line, whatever --quiet says, so a cron log shows each night's
 * run: when, what, how it ended, and what it did.
 *
 *   2026-12-05 03:15:02 +01:00 indexer scan: ok (exit 0) in 41.2s; 3 new, 0 modified, 1 moved, 0 deleted, 1200 unchanged, 0 errors; extract: 12 done, 0 failed, 0 skipped, 0 pending
 */
import { localTime } from '../local-time.js';
import type { Phase2Summary } from '../tasks/phase2-summary.js';

const outcomes: Record<number, string> = { 0: 'ok', 1: 'failed', 2: 'usage error', 75: 'busy', 130: 'interrupted' };

export function runSummaryLine(o: {
  command: string;
  startedAt: number;
  endedAt: number;
  code: number;
  /** What the command did (counts), or why it failed. */
  details: string[];
}): string {
  const outcome = outcomes[o.code] ?? 'failed';
  const took = ((o.endedAt - o.startedAt) / 1000).toFixed(1);
  const head = `${localTime(o.startedAt)} indexer ${o.command}: ${outcome} (exit ${o.code}) in ${took}s`;
  return [head, ...o.details].join('; ').replace(/\s*\n\s*/g, ' ');
}

/** Counts of a scan's phase 1, for the summary line. */
export function scanDetails(c: { new: number; modified: number; moved: number; deleted: number; unchanged: number; errors: number }): string {
  return `${c.new} new, ${c.modified} modified, ${c.moved} moved, ${c.deleted} deleted, ${c.unchanged} unchanged, ${c.errors} errors`;
}

/** Counts of a phase-2 run, for the summary line. */
export function extractDetails(s: Pick<Phase2Summary, 'done' | 'failed' | 'skipped' | 'pending'>): string {
  return `extract: ${s.done} done, ${s.failed} failed, ${s.skipped} skipped, ${s.pending} pending`;
}
