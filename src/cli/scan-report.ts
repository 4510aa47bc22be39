import type { ScanSummary } from '../scan/scanner.js';
import type { Phase2Summary } from '../tasks/phase2-summary.js';

/** The `scan --json` summary: the last line on stdout (phase 2 may print NDJSON events before it). */
export function scanJson(summary: ScanSummary, extract: Phase2Summary | null, durationMs: number) {
  const { counts } = summary;
  return {
    scan: {
      roots: summary.roots,
      offlineRoots: summary.offlineRoots,
      outcome: summary.outcome,
      new: counts.new,
      modified: counts.modified,
      moved: counts.moved,
      deleted: counts.deleted,
      unchanged: counts.unchanged,
      offline: counts.offline,
      settling: counts.settling,
      errors: counts.errors,
      sidecars: counts.sidecars,
      movedFrom: summary.movedFrom,
    },
    extract,
    durationMs,
  };
}

/** Human lines for the end of phase 1. */
export function scanLines(summary: ScanSummary, durationMs: number): string[] {
  const c = summary.counts;
  const parts = [
    `${c.new} new`,
    `${c.modified} modified`,
    `${c.moved} moved`,
    `${c.deleted} deleted`,
    `${c.unchanged} unchanged`,
  ];
  if (c.sidecars) parts.push(`${c.sidecars} sidecars changed`);
  if (c.settling) parts.push(`${c.settling} settling (next run)`);
  if (c.offline) parts.push(`${c.offline} offline`);
  if (c.errors) parts.push(`${c.errors} errors`);
  const lines = [`scanned ${summary.roots.length} root${summary.roots.length === 1 ? '' : 's'} in ${(durationMs / 1000).toFixed(1)}s: ${parts.join(', ')}`];
  for (const m of summary.movedFrom) lines.push(movedFromLine(m));
  if (summary.outcome === 'interrupted') lines.push('scan interrupted: nothing was deleted; run it again to finish');
  return lines;
}

/** Files that moved here from a root this scan did not walk: what became of that root. */
function movedFromLine(m: ScanSummary['movedFrom'][number]): string {
  const what = `${m.files} file${m.files === 1 ? '' : 's'} moved here from ${m.root}`;
  if (m.forgotten) return `${what}, which is gone: forgot that root (nothing to re-extract)`;
  if (m.missing) return `${what}, which is gone: 'indexer roots remove ${m.root}' forgets it`;
  return `${what} (nothing to re-extract)`;
}
