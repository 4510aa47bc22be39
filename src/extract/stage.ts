/**
 * The one interface every stage (thumbnail, exif, xmp, clip, and test stages) implements.
 *
 * A stage has two halves that share only plain data:
 * - the worker half (`workerModule`, exporting `run(input: TaskInput): Promise<StageOutcome>`) runs on a piscina
 *   worker thread, never touches the catalog and never throws across the thread boundary;
 * - the main half (this definition) decides what the stage accepts and writes results to the catalog, since the
 *   main thread is the only catalog writer.
 */
import type { Db } from '../catalog/open.js';
import type { FileKind, TaskFile } from '../types.js';

/** Classes of work, each with its own bound on in-flight tasks. */
export type Lane = 'cpu' | 'meta' | 'inference';

/** Everything a worker needs for one task; plain data so it crosses the thread boundary. */
export interface TaskInput extends TaskFile {
  taskId: number;
  stage: string;
  /** Root of the derived-file cache (thumbnails, previews). */
  cacheDir: string;
  /** Stage options (sizes, pixel limit, model directory, ...), JSON-serialisable. */
  options: Record<string, unknown>;
  /** How the worker makes sure the file is still the one the scan saw (StageDefinition.verifySource); 'none' if unset. */
  verify?: SourceCheck;
}

/**
 * How a file is checked against the catalog's record before (and after) a stage reads it: its size and mtime, plus
 * the identity hash for stages whose outputs are shared by identity (thumbnails), or not at all.
 */
export type SourceCheck = 'identity' | 'stat' | 'none';

/** Expected outcomes are values, not exceptions. */
export type StageOutcome<V = unknown> =
  | { status: 'done'; value: V }
  | { status: 'skipped'; reason: string }
  | {
      status: 'failed';
      /** One line: what happened to which file. */
      reason: string;
      /** False when retrying cannot help (corrupt file): fail at once without using attempts. */
      retryable?: boolean;
      /**
       * True when the fault is not the file's (model missing, GPU error, disk full): trips the circuit breaker. Set by
       * the worker (errors are classified by code in image-outcome.ts); the engine never reads it from the reason.
       */
      stageFault?: boolean;
      /**
       * Not the content's fault either: the file is gone from its path (moved, deleted, its root unmounted) or is no
       * longer the file the scan recorded. The task waits for the file instead of spending an attempt.
       */
      source?: 'gone' | 'changed';
    };

/** What a stage's main half sees of a task when it commits a result. */
export interface CommitTarget {
  taskId: number;
  fileId: number;
  identity: string;
}

export interface StageDefinition<V = unknown> {
  /** Unique name, used in the task table and on the command line. */
  name: string;
  /** Raising it makes finished work stale and re-arms the stage's tasks. */
  version: number;
  lane: Lane;
  /** Attempts before a task is quarantined as failed. */
  maxAttempts: number;
  /** Stages that must be done (or skipped) for the same file before this one may run. */
  dependsOn: readonly string[];
  /** Absolute file URL of the worker module (exports `run`). */
  workerModule: string;
  /** Which files the stage handles; others get a skipped task with this reason. */
  accepts(file: { kind: FileKind; ext: string }): { ok: true } | { ok: false; reason: string };
  /** Extra fingerprint input besides size, mtime and version (e.g. sidecar size+mtime, model id). */
  fingerprintExtra?: 'sidecar' | 'none';
  /** Model id for stages whose output depends on a model (part of the fingerprint). */
  modelId?(): string | null;
  /**
   * Its workers write files under the cache dir (thumbnails, previews): when the cache cannot be written the stage is
   * paused before it starts, its tasks left pending (tasks/cache-check.ts).
   */
  writesCache?: boolean;
  /**
   * Checked before any task is claimed: a reason here pauses the stage with one message (e.g. no model installed)
   * and its tasks stay pending.
   */
  preflight?(context?: PreflightContext): Promise<string | null>;
  /**
   * How workers check the file before reading it: 'identity' where outputs are shared by identity, 'stat' for stages
   * that read the file, 'none' (the default) for stages that do not.
   */
  verifySource?: SourceCheck;
  /** Options passed to every worker call. */
  options(): Record<string, unknown>;
  /** Main thread, inside the transaction that marks the task done: persist the worker's value. */
  commit(db: Db, target: CommitTarget, value: V): void;
  /**
   * Optional main-thread step over a batch of worker values before commit (CLIP: one ORT session, batched inference
   * while workers prepare the next batch). Returns one outcome per item, in order.
   */
  batch?: {
    maxSize: number;
    maxWaitMs: number;
    /**
     * Batches run at once (default 1). With 2, the next full batch is handed over while one runs (the clip stage's
     * model thread queues it), so the step never waits for the main thread to put the next batch together. The lane
     * still holds two batches in flight (lane-budget.ts): the workers prepare the one after while the queued one runs.
     */
    maxRunning?: number;
    run(items: { target: CommitTarget; value: unknown }[]): Promise<StageOutcome<V>[]>;
  };
  /**
   * Drop what this stage stored for a file (rows, and cache files no other file uses) when its task for the file's
   * current bytes ends failed or skipped, or a stage it depends on does: it belongs to bytes the file no longer has.
   */
  forget?(db: Db, fileId: number): void;
  /** Remove derived files when a file is purged. */
  purge?(identity: string): void;
}

/** What the engine knows when it runs a stage's preflight (absent where a caller has nothing to say). */
export interface PreflightContext {
  /** Pending tasks of this stage in this run: a stage may start slow preparation (a model load) only when there are some. */
  pending: number;
}
