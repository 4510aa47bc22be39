import type { Db } from '../catalog/open.js';

/** Per-stage counts and run statistics for `indexer status`. (Placeholder: the engine issue builds it.) */
export interface EngineStatus {
  /** stage -> state -> count, e.g. {"thumbnail": {"pending": 3, "running": 0, "done": 9, ...}} */
  stages: Record<string, Record<string, number>>;
  /** Extra keys merged into `status --json` (lastRun, throughput, eta, topFailures, ...). */
  extra: Record<string, unknown>;
}

export function engineStatus(_db: Db): EngineStatus {
  return { stages: {}, extra: {} };
}

/** Lines for the human status output. */
export function formatEngineStatus(_status: EngineStatus): string[] {
  return [];
}

/** One task of one file, for `indexer info`. */
export interface FileTask {
  stage: string;
  state: string;
  reason: string | null;
  attempts: number;
  updatedAt: number | null;
}

export function tasksForFile(_db: Db, _fileId: number): FileTask[] {
  return [];
}

/** Failed tasks with their reasons, for `indexer status --failed`. */
export function listFailed(_db: Db): { path: string; stage: string; reason: string; attempts: number }[] {
  return [];
}
