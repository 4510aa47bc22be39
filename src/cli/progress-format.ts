/** Text shared by the phase-2 progress displays. */
import type { Phase2SummaryLine } from '../tasks/phase2-summary.js';

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A stage's rate ("24.0", per second) and time left ("16s"; "?" before anything is done), for the log and the bars. */
export function rateAndEta(worked: number, total: number, elapsedMs: number): { rate: string; eta: string } {
  const rate = elapsedMs > 0 ? (worked / elapsedMs) * 1000 : 0;
  const eta = worked >= total ? '0s' : rate > 0 ? formatDuration(((total - worked) / rate) * 1000) : '?';
  return { rate: rate.toFixed(1), eta };
}

/**
 * Rates per stage that stop at the moment a stage finishes: dividing its work by the run's elapsed time would make a
 * finished stage look slower and slower while the other stages go on.
 */
export function stageRates() {
  const finishedAt = new Map<string, number>();
  return {
    of(stage: string, worked: number, total: number, elapsedMs: number): { rate: string; eta: string } {
      if (worked >= total && total > 0 && !finishedAt.has(stage)) finishedAt.set(stage, elapsedMs);
      return rateAndEta(worked, total, finishedAt.get(stage) ?? elapsedMs);
    },
  };
}

/** "thumbnail 120/500 24.0/s ETA 16s" for one stage. */
export function stageProgress(name: string, worked: number, total: number, rate: { rate: string; eta: string }): string {
  return `${name} ${worked}/${total} ${rate.rate}/s ETA ${rate.eta}`;
}

/** The human end-of-phase line from a phase-2 summary. */
export function stageLine(s: Phase2SummaryLine): string {
  const paused = Object.entries(s.paused ?? {}).map(([k, v]) => `; ${k} paused: ${v}`);
  return (
    `extract: ${s.done} done, ${s.failed} failed, ${s.skipped} skipped in ${formatDuration(s.durationMs)} ` +
    `(${s.tasksPerSecond} tasks/s); ${s.pending} pending${s.outcome === 'complete' ? '' : ` (${s.outcome})`}` +
    paused.join('')
  );
}
