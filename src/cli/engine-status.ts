/** The engine's part of `indexer status` for humans: per-stage counts, the last run, what waits and why, ETA. */
import type { EngineStatus } from '../tasks/status.js';
import { formatDuration } from './progress-format.js';
import { localTime } from '../local-time.js';

/** Lines for the human status output. */
export function formatEngineStatus(status: EngineStatus): string[] {
  const lines: string[] = [];
  const names = Object.keys(status.stages);
  if (names.length === 0) return ['tasks: none yet (run indexer scan or indexer resume)'];
  lines.push('tasks:');
  const w = Math.max(...names.map((n) => n.length));
  const blocked = status.extra.blocked ?? {};
  const offline = status.extra.offline ?? {};
  const paused = status.extra.paused ?? {};
  for (const name of names) {
    const s = status.stages[name]!;
    // "pending" here is what can run; work that waits is named apart, so it is not mistaken for a backlog.
    const waiting = { blocked: blocked[name] ?? 0, offline: offline[name] ?? 0, paused: paused[name]?.tasks ?? 0 };
    const runnable = Math.max(0, (s.pending ?? 0) - waiting.blocked - waiting.offline - waiting.paused);
    const parts = [
      `${runnable} pending`,
      ...Object.entries(waiting)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`),
      ...['running', 'done', 'failed', 'skipped', 'canceled'].map((k) => `${s[k] ?? 0} ${k}`),
    ];
    lines.push(`  ${name.padEnd(w)}  ${parts.join(', ')}`);
  }
  const run = status.extra.lastRun ?? null;
  if (run) {
    const when = localTime(run.startedAt);
    const took = run.durationMs === null ? '' : ` in ${formatDuration(run.durationMs)}`;
    const rate = run.tasksPerSecond === null ? '' : `, ${run.tasksPerSecond} tasks/s`;
    lines.push(`last run: #${run.id} ${run.command} ${when} ${run.outcome}${took}: ${run.done} done, ${run.failed} failed, ${run.skipped} skipped${rate}`);
    if (run.note) lines.push(`  note: ${run.note}`);
  }
  const blockedList = Object.entries(blocked);
  if (blockedList.length) {
    lines.push(`blocked: ${blockedList.map(([k, n]) => `${n} ${k}`).join(', ')} waiting on a failed or canceled dependency (indexer retry)`);
  }
  for (const [name, p] of Object.entries(paused)) {
    lines.push(`paused: ${name} (${p.tasks} task${p.tasks === 1 ? '' : 's'} waiting) in its last run: ${p.reason}`);
  }
  const offlineList = Object.entries(offline);
  if (offlineList.length) lines.push(`offline: ${offlineList.map(([k, n]) => `${n} ${k}`).join(', ')} waiting for an offline root`);
  const eta = status.extra.etaSeconds ?? null;
  const runnable = Object.values(status.extra.runnable ?? {}).reduce((a, n) => a + n, 0);
  if (eta !== null && eta > 0) {
    lines.push(`eta: about ${formatDuration(eta * 1000)} for the ${runnable} task${runnable === 1 ? '' : 's'} that can run, at the last run's rate`);
  }
  const top = status.extra.topFailures;
  if (top?.length) {
    lines.push('most common failures (indexer status --failed lists them):');
    for (const f of top) lines.push(`  ${f.count} × [${f.stage}] ${f.reason}`);
  }
  return lines;
}
