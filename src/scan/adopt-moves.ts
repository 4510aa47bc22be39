import fs from 'node:fs';
import type { Db } from '../catalog/open.js';
import type { FilesCatalog } from '../catalog/files.js';
import { moveCandidatesCatalog } from '../catalog/move-candidates.js';
import { rootsCatalog } from '../catalog/roots.js';
import type { ScanCounts } from '../catalog/scans.js';
import { countCommitted } from './committed-counts.js';

/** Files that moved here from a root this scan did not walk (`mv libA libB; indexer scan libB`). */
export interface MovedFromRoot {
  /** The old root's path. */
  root: string;
  files: number;
  /** The old root is gone from disk and has no rows left: it was forgotten. */
  forgotten: boolean;
  /** The old root is gone from disk (not forgotten: it still has rows, e.g. deleted ones). */
  missing: boolean;
}

/**
 * The second move pass, after the sweep: a file this scan added whose identity matches a file of a root it did not
 * walk, or a deleted file, and whose old path is gone from disk, is that file moved. The old row takes the new path
 * and keeps its id, so nothing derived from it (tasks, thumbnails, metadata, embeddings) is done again. The same
 * content still at its old path is a copy, not a move, and is left alone.
 */
export function adoptMovedFiles(
  db: Db,
  files: FilesCatalog,
  scanId: number,
  walkedRootIds: readonly number[],
  counts: ScanCounts,
  now: number,
): MovedFromRoot[] {
  if (counts.new === 0) return [];
  const queries = moveCandidatesCatalog(db);
  const usedAdded = new Set<number>();
  const usedOld = new Set<number>();
  const perRoot = new Map<number, number>();
  countCommitted(counts, (delta) => db.transaction(() => {
    for (const c of queries.list(scanId, walkedRootIds)) {
      if (usedAdded.has(c.addedId) || usedOld.has(c.oldId) || existsOnDisk(c.oldPath)) continue;
      const added = queries.record(c.addedId);
      if (!added) continue;
      files.absorbMove(c.oldId, added, scanId, now);
      usedAdded.add(c.addedId);
      usedOld.add(c.oldId);
      perRoot.set(c.oldRootId, (perRoot.get(c.oldRootId) ?? 0) + 1);
      delta.moved++;
      delta.new--;
    }
  })());
  return settleOldRoots(db, perRoot, walkedRootIds);
}

/** An old root that is gone from disk is marked offline, and forgotten once no row of it is left. */
function settleOldRoots(db: Db, perRoot: Map<number, number>, walkedRootIds: readonly number[]): MovedFromRoot[] {
  const roots = rootsCatalog(db);
  const queries = moveCandidatesCatalog(db);
  const out: MovedFromRoot[] = [];
  for (const root of roots.list()) {
    const moved = perRoot.get(root.id);
    if (moved === undefined) continue;
    const gone = !walkedRootIds.includes(root.id) && !existsOnDisk(root.path);
    const forgotten = gone && queries.rowsOfRoot(root.id) === 0;
    if (forgotten) roots.forget(root.id);
    else if (gone) roots.setOnline(root.id, false);
    out.push({ root: root.path, files: moved, forgotten, missing: gone && !forgotten });
  }
  return out;
}

/** Only "no such file" counts as gone: a path we may not read is not evidence of a move. */
function existsOnDisk(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return !(code === 'ENOENT' || code === 'ENOTDIR');
  }
}
