/** Text shared by the phase-2 progress displays. */

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** "thumbnail 120/500 24.0/s ETA 16s" for one stage. */
export function stageProgress(name: string, worked: number, total: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (worked / elapsedMs) * 1000 : 0;
  const eta = rate > 0 ? ((total - worked) / rate) * 1000 : NaN;
  return `${name} ${worked}/${total} ${rate.toFixed(1)}/s ETA ${worked >= total ? '0s' : formatDuration(eta)}`;
}

/** The human end-of-phase line from a phase-2 summary. */
export function stageLine(s: Record<string, unknown>): string {
  const n = (k: string) => Number(s[k] ?? 0);
  const paused = Object.entries((s.paused ?? {}) as Record<string, string>).map(([k, v]) => `; ${k} paused: ${v}`);
  return (
    `extract: ${n('done')} done, ${n('failed')} failed, ${n('skipped')} skipped in ${formatDuration(n('durationMs'))} ` +
    `(${n('tasksPerSecond')} tasks/s); ${n('pending')} pending${s.outcome === 'complete' ? '' : ` (${String(s.outcome)})`}` +
    paused.join('')
  );
}
