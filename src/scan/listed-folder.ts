import { planFolder, type FolderJob } from './folder.js';
import type { FolderGroup } from './walk.js';
import { joinNames, splitNames, statList } from './walk-protocol.js';

/**
 * A folder as the walk lists it: its path, how many media files it holds, and the names to stat() NUL-joined, as
 * they cross from the walker thread. Only a folder whose digest changed has its names split and planned (plan());
 * on a rescan most folders never are.
 */
export interface ListedFolder {
  /** Absolute folder path. */
  dir: string;
  mediaCount: number;
  /** Media names then sidecar names, NUL-joined: what gets stat()ed, in FolderJob.names order. */
  statNames: string;
  plan(): FolderJob;
}

/** From the walker thread's listing message. */
export function listedFromThread(dir: string, media: string, sidecars: string, mediaCount: number): ListedFolder {
  let job: FolderJob | undefined;
  const plan = () => (job ??= planFolder({ dir, media: splitNames(media), sidecars: splitNames(sidecars) }));
  return { dir, mediaCount, statNames: statList(media, sidecars), plan };
}

/** From a walk on this thread (INDEXER_SCAN_STAT_WORKER=0, tests). */
export function listedFromGroup(group: FolderGroup): ListedFolder {
  let job: FolderJob | undefined;
  const statNames = statList(joinNames(group.media), joinNames(group.sidecars));
  return { dir: group.dir, mediaCount: group.media.length, statNames, plan: () => (job ??= planFolder(group)) };
}
