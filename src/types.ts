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

/** What a task knows of its file: the catalog hands it out with each claimed task, a worker gets it with each input. */
export interface TaskFile {
  fileId: number;
  /** Absolute path of the media file. */
  path: string;
  kind: FileKind;
  ext: string;
  size: number;
  mtimeMs: number;
  /** Identity hash: derived files are keyed by it so a moved file keeps them. */
  identity: string;
  sidecarPath: string | null;
}

/** Lifecycle of a file row. */
export type FileState = 'present' | 'offline' | 'deleted';

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
