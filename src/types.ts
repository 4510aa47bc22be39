/**
 * Glossary
 * - root: a folder the user asked us to index; rescanned by `indexer scan` with no arguments.
 * - file: one media file under a root, identified by a stable id that survives moves/renames.
 * - identity: size plus a hash of the first and last 64 KiB; how a moved file is recognised.
 * - sidecar: an `.xmp` file next to an image (`IMG.jpg.xmp` preferred, else `IMG.xmp`).
 * - scan: one phase-1 run over some roots (a row in `scans`).
 * - stage: one kind of derived work per file (thumbnail, exif, xmp, clip).
 * - task: one (file, stage) pair in the persisted task table.
 * - run: one phase-2 execution of the task engine (a row in `runs`).
 * - lane: a class of work with its own bound on in-flight tasks (cpu image work, metadata, inference).
 */

/** What a file is, decided by its extension. */
export type FileKind = 'image' | 'raw' | 'video';

/** Lifecycle of a file row. */
export type FileState = 'present' | 'offline' | 'deleted';

/** A file row as the rest of the program sees it. */
export interface FileRow {
  /** Stable id; kept across moves and renames. */
  id: number;
  /** Root this file lives under. */
  rootId: number;
  /** Absolute path. */
  path: string;
  /** image, raw or video. */
  kind: FileKind;
  /** Lower-case extension without the dot. */
  ext: string;
  /** Size in bytes at the last scan. */
  size: number;
  /** Modification time in ms since the epoch at the last scan. */
  mtimeMs: number;
  /** Inode number (as a string: it may not fit in a double). */
  ino: string;
  /** Device number. */
  dev: number;
  /** Size + head/tail hash; null until computed. */
  identity: string | null;
  /** present, offline or deleted. */
  state: FileState;
  /** Sidecar XMP path, if any. */
  sidecarPath: string | null;
  /** Sidecar size, if any. */
  sidecarSize: number | null;
  /** Sidecar mtime in ms, if any. */
  sidecarMtimeMs: number | null;
  /** When the file was first seen (ms). */
  firstSeen: number;
  /** When a scan last saw the file (ms). */
  lastSeen: number;
}

/** Time as a parameter: logic asks the clock, tests pass a fake one. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Where messages go. Everything user-facing goes through here so --quiet and --json can shape it. */
export interface Logger {
  /** Progress and summaries for humans (silenced by --quiet and --json). */
  info(message: string): void;
  /** Something the user should see even with --quiet (a per-file error, a paused stage). */
  warn(message: string): void;
  /** A fatal or per-file error line. */
  error(message: string): void;
}
