import type { KnownFile, SidecarStat } from '../catalog/files.js';

/** A media file as stat() saw it during the walk. */
export interface Observed {
  size: number;
  /** Whole milliseconds (what the catalog stores). */
  mtimeMs: number;
  ino: string;
  sidecar: SidecarStat | null;
}

/**
 * What to do with one walked file.
 * - new: not in the catalog; hash and insert.
 * - revived: its row was deleted and a file is back at that path; hash and rewrite the row (counted as new).
 * - modified: size, mtime or inode changed; hash and rewrite.
 * - unchanged: mark seen; `sidecarChanged` rewrites only the sidecar columns, `wasOffline` it is back online.
 * - settling: modified within --settle; left for the next run (a known row is spared from the sweep).
 */
export type FileDecision =
  | { action: 'new' }
  | { action: 'revived' }
  | { action: 'modified' }
  | { action: 'unchanged'; sidecarChanged: boolean; wasOffline: boolean }
  | { action: 'settling' };

/**
 * The diff of one file against its catalog row. Pure: `settleBefore` is "now - settle" in ms (null: no settling).
 * An unchanged file is unchanged even when recent; only content about to be (re)hashed waits for the copy to end.
 */
export function decideFile(seen: Observed, known: KnownFile | null, settleBefore: number | null): FileDecision {
  const live = known !== null && known.state !== 'deleted';
  if (live && known.size === seen.size && known.mtimeMs === seen.mtimeMs && known.ino === seen.ino) {
    return { action: 'unchanged', sidecarChanged: sidecarDiffers(known, seen.sidecar), wasOffline: known.state === 'offline' };
  }
  if (settleBefore !== null && seen.mtimeMs > settleBefore) return { action: 'settling' };
  if (known === null) return { action: 'new' };
  return live ? { action: 'modified' } : { action: 'revived' };
}

function sidecarDiffers(known: KnownFile, now: SidecarStat | null): boolean {
  if (now === null) return known.sidecarPath !== null;
  return known.sidecarPath !== now.path || known.sidecarSize !== now.size || known.sidecarMtimeMs !== now.mtimeMs;
}

/** True when `file` is one of `paths` or lies below one of them (folders the walk could not read). */
export function isCoveredBy(file: string, paths: ReadonlySet<string>): boolean {
  if (paths.size === 0) return false;
  if (paths.has(file)) return true;
  for (let i = file.lastIndexOf('/'); i > 0; i = file.lastIndexOf('/', i - 1)) {
    if (paths.has(file.slice(0, i))) return true;
  }
  return false;
}
