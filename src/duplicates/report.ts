/** How `indexer duplicates` prints its groups: a table for people, JSON for scripts, bare paths for xargs. */
import type { DuplicateCandidate } from '../catalog/duplicates.js';
import type { DuplicateGroup } from './find.js';

/** The `--json` object: `{"groups":[{"kind","score","keep","files":[{"path","width","height","size","takenAt"}]}]}`. */
export function groupsJson(groups: DuplicateGroup[]): string {
  return JSON.stringify({
    groups: groups.map((g) => ({
      kind: g.kind,
      score: g.score,
      keep: g.keep.path,
      files: g.files.map((f) => ({ path: f.path, width: f.width, height: f.height, size: f.size, takenAt: f.takenAt })),
    })),
  });
}

/** Every file but the kept one of each group, each followed by `separator` (NUL for `xargs -0`). */
export function removablePaths(groups: DuplicateGroup[], separator: string): string {
  return groups.map((g) => g.files.filter((f) => f !== g.keep).map((f) => f.path + separator).join('')).join('');
}

/** The human table: one block per group, the kept file marked. */
export function groupsTable(groups: DuplicateGroup[]): string[] {
  const lines: string[] = [];
  for (const g of groups) {
    lines.push(`${g.kind} (${scoreText(g)}), ${g.files.length} files`);
    for (const f of g.files) {
      const size = f.width && f.height ? `${f.width}x${f.height}` : '?';
      lines.push(`  ${f === g.keep ? 'keep' : '    '}  ${size.padEnd(11)} ${bytes(f.size).padStart(9)}  ${(f.takenAt ?? '-').slice(0, 19).padEnd(19)}  ${f.path}`);
    }
  }
  return lines;
}

/** One line: how many groups of each kind, and what removing the non-kept files would free. */
export function summary(groups: DuplicateGroup[]): string {
  const count = (k: string) => groups.filter((g) => g.kind === k).length;
  const extra = groups.flatMap((g) => g.files.filter((f) => f !== g.keep));
  const kinds = (['exact', 'near', 'similar'] as const).filter((k) => count(k)).map((k) => `${count(k)} ${k}`);
  return groups.length
    ? `${groups.length} group${groups.length === 1 ? '' : 's'} (${kinds.join(', ')}); ${extra.length} file${extra.length === 1 ? '' : 's'} besides the kept ones, ${bytes(sum(extra))}; nothing was deleted`
    : 'no duplicates found';
}

export function scoreText(g: DuplicateGroup): string {
  if (g.kind === 'exact') return 'identical bytes';
  if (g.kind === 'near') return `distance ${g.score}/64`;
  return `cosine ${g.score.toFixed(3)}`;
}

function sum(files: DuplicateCandidate[]): number {
  return files.reduce((t, f) => t + f.size, 0);
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) (v /= 1024), u++;
  return `${v.toFixed(1)} ${units[u]}`;
}
