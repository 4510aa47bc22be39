import type { Command } from 'commander';
import type { Db } from '../catalog/open.js';
import type { CliEnv } from '../cli/env.js';

/** What `scan` (after phase 1) and `resume` hand the task engine. */
export interface Phase2Request {
  db: Db;
  catalogPath: string;
  cacheDir: string;
  cli: CliEnv;
  /** The command's options, global ones included (json, quiet, stages, priority, max-duration, ...). */
  opts: Record<string, unknown>;
  /** Roots just scanned (for `scan ROOT --priority high`); undefined for resume. */
  rootIds?: number[];
  /** Aborted on the first SIGINT/SIGTERM. */
  signal: AbortSignal;
}

export interface Phase2Result {
  /** 0 done or stopped by a limit; 130 interrupted; 1 unexpected failure. */
  exitCode: number;
  /** Goes under "extract" in the final --json object. */
  summary: Record<string, unknown>;
}

/** Declares phase-2 flags (--stages, --priority, --max-duration, --max-tasks, --task-timeout, stage flags). */
export function addPhase2Options(cmd: Command): Command {
  return cmd;
}

/** Plans tasks for what phase 1 found and runs them. (Placeholder: the engine issue builds it.) */
export async function runPhase2(_req: Phase2Request): Promise<Phase2Result> {
  return { exitCode: 0, summary: {} };
}
