import type { ScanProblem } from './problems.js';
import type { StatReply } from './stat-batch.js';

/** What the walker thread is started with (workerData). */
export interface WalkStart {
  root: string;
  ignore: string[];
  hidden: boolean;
  followSymlinks: boolean;
}

/** Main thread -> walker: `ack` returns one credit (a folder was diffed); `stop` aborts the walk. */
export type ToWalker = { type: 'ack' } | { type: 'stop' };

/** Walker -> main thread. Expected outcomes are data; `failed` carries an unexpected error as one line. */
export type FromWalker =
  | {
      type: 'folder';
      dir: string;
      /** Media names, NUL-joined (one string clones far faster than an array). */
      media: string;
      /** Sidecar names, NUL-joined. */
      sidecars: string;
      /** stat() of media names then sidecar names. */
      stats: StatReply;
    }
  | { type: 'end'; problems: ScanProblem[]; complete: boolean }
  | { type: 'failed'; message: string };

/** Folders the walker may send ahead of the diff. */
export const WALK_CREDITS = 8;

export function joinNames(names: readonly string[]): string {
  return names.join('\0');
}

export function splitNames(joined: string): string[] {
  return joined === '' ? [] : joined.split('\0');
}
