import type { ScanProblem } from './problems.js';
import type { StatReply } from './stat-batch.js';

/** What the walker thread is started with (workerData). */
export interface WalkStart {
  root: string;
  ignore: string[];
  hidden: boolean;
  followSymlinks: boolean;
  /** Shared Int32Array (see Control): the main thread's acks and stop flag, read without an event loop. */
  control: SharedArrayBuffer;
}

/** Slots of the shared control array. */
export const Control = {
  /** Folders the main thread has finished diffing (it adds 1 and notifies). */
  acked: 0,
  /** 1: stop walking (interrupt or abandoned walk). */
  stop: 1,
  length: 2,
} as const;

/** Walker -> main thread. Expected outcomes are data; `failed` carries an unexpected error as one line. */
export type FromWalker =
  | {
      type: 'folder';
      dir: string;
      /** Media names, NUL-joined (one string clones far faster than an array). */
      media: string;
      /** Sidecar names, NUL-joined. */
      sidecars: string;
      /** stat() of media names then sidecar names; null: the main thread was idle, so it stats them itself. */
      stats: StatReply | null;
    }
  | { type: 'end'; problems: ScanProblem[]; complete: boolean }
  | { type: 'failed'; message: string };

/** Folders the walker may send ahead of the diff: flat memory whatever the tree. */
export const WALK_CREDITS = 8;

/**
 * Below this many folders waiting on the main thread, the walker sends the next folder without stat()ing it: the
 * main thread would otherwise sit idle, so it does those stat() calls itself while the walker reads on. This spreads
 * the stat() calls (most of an unchanged rescan) over both threads without any coordination beyond the ack count.
 */
export const STAT_HERE_BELOW = 3;

export function joinNames(names: readonly string[]): string {
  return names.join('\0');
}

export function splitNames(joined: string): string[] {
  return joined === '' ? [] : joined.split('\0');
}
