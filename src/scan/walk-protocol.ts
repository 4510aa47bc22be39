import type { ScanProblem } from './problems.js';
import type { StatReply } from './stat-batch.js';

/** What the walker thread is started with (workerData). */
export interface WalkStart {
  root: string;
  ignore: string[];
  hidden: boolean;
  followSymlinks: boolean;
  /** Folded into every folder digest (folder-digest.ts walkSalt). */
  salt: string;
  /** Shared Int32Array (see Control), read and written without an event loop. */
  control: SharedArrayBuffer;
}

/** Slots of the shared control array. */
export const Control = {
  /** Folders the main thread has finished diffing (it adds 1 and notifies): the walker's credits. */
  acked: 0,
  /**
   * The first listed folder nobody has taken to stat() yet. Either thread takes folder n by moving this from n to
   * n + 1 (compare-and-exchange), so each folder is stat()ed exactly once, by whichever thread is free first.
   */
  nextToStat: 1,
  /** 1: stop walking (interrupt or abandoned walk). */
  stop: 2,
  length: 3,
} as const;

/** Walker -> main thread, in this order per folder: listing, then (unless the main thread took it) stats. */
export type FromWalker =
  | {
      type: 'listing';
      /** Folders are numbered from 0 in walk order. */
      seq: number;
      dir: string;
      /** Media names, NUL-joined (one string clones far faster than an array). */
      media: string;
      /** How many media names: all an unchanged folder's diff needs of them. */
      mediaCount: number;
      /** Sidecar names, NUL-joined. */
      sidecars: string;
    }
  /** stat() of the folder's media names then sidecar names. */
  | { type: 'stats'; seq: number; stats: StatReply }
  /** `folders`: how many were listed; every one of them has been or will be stat()ed. */
  | { type: 'end'; folders: number; problems: ScanProblem[]; complete: boolean }
  | { type: 'failed'; message: string };

/** Folders the walker may list ahead of the diff: flat memory whatever the tree. */
export const WALK_CREDITS = 16;

/** Listed folders the walker keeps waiting for a stat() before it reads further (the main thread takes from these). */
export const LIST_AHEAD = 4;

/** Names of a folder as one string, media then sidecars: what gets stat()ed. */
export function statList(media: string, sidecars: string): string {
  return sidecars === '' ? media : `${media}\0${sidecars}`;
}

export function joinNames(names: readonly string[]): string {
  return names.join('\0');
}

export function splitNames(joined: string): string[] {
  return joined === '' ? [] : joined.split('\0');
}
