/** Phase-2 flags shared by `scan` and `resume`, and their validation into engine settings. */
import os from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration, parsePositiveInt } from '../cli/parse.js';
import { UserError } from '../errors.js';
import { addThumbnailOptions } from '../extract/thumbnail/cli.js';
import { addExifOptions } from '../extract/exif/cli.js';
import { addXmpOptions } from '../extract/xmp/cli.js';
import { addClipOptions } from '../extract/clip/cli.js';

/** A hung decoder must not hang the run: past this a task fails and its worker thread is replaced. */
const defaultTaskTimeoutMs = 5 * 60_000;

/** Lower runs first. */
export const priorities = { high: 0, normal: 100, low: 200 } as const;
export type PriorityName = keyof typeof priorities;

export interface EngineOptions {
  /** Stage names asked for with --stages; null = all. */
  stages: string[] | null;
  /** Priority for the tasks this run plans or re-arms (and, for scan, the scanned roots' pending tasks). */
  priority: number | null;
  maxDurationMs?: number;
  maxTasks?: number;
  taskTimeoutMs?: number;
  threads: number;
}

export function addEngineOptions(cmd: Command): Command {
  return cmd
    .option('--stages <list>', 'run only these stages (comma-separated, e.g. thumbnail,exif); dependencies are added')
    .addOption(
      new Option('--priority <level>', 'run the tasks of this command ahead of (or behind) the backlog').choices(
        Object.keys(priorities),
      ),
    )
    .option('--max-duration <dur>', 'stop cleanly after this long (e.g. 20m); the rest stays pending', parseDuration)
    .option('--max-tasks <n>', 'stop cleanly after claiming this many tasks', parsePositiveInt('--max-tasks'))
    .option('--task-timeout <dur>', 'fail a task that runs longer than this and replace its worker (default 5m; 0: never)', parseDuration)
    .option('--threads <n>', `worker threads (default: number of CPUs; at most ${maxThreads(os.availableParallelism())})`, parseThreads);
}

/** Declares every phase-2 flag: the engine's and each stage's. */
export function addAllPhase2Options(cmd: Command): Command {
  addEngineOptions(cmd);
  addThumbnailOptions(cmd);
  addExifOptions(cmd);
  addXmpOptions(cmd);
  addClipOptions(cmd);
  return cmd;
}

export function engineOptions(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): EngineOptions {
  const stages =
    typeof opts.stages === 'string'
      ? opts.stages
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : null;
  if (stages && stages.length === 0) throw new UserError(`--stages needs at least one stage name`);
  const p = opts.priority as PriorityName | undefined;
  if (p !== undefined && !(p in priorities)) throw new UserError(`--priority must be high, normal or low, got '${p}'`);
  const envThreads = env.INDEXER_THREADS ? Number(env.INDEXER_THREADS) : undefined;
  if (envThreads !== undefined && (!Number.isInteger(envThreads) || envThreads <= 0)) {
    throw new UserError(`INDEXER_THREADS must be a positive integer, got '${env.INDEXER_THREADS}'`);
  }
  const threads = (opts.threads as number | undefined) ?? envThreads ?? Math.max(1, os.availableParallelism());
  if (threads > maxThreads(os.availableParallelism())) throw new UserError(tooManyThreads('INDEXER_THREADS', threads));
  return {
    stages,
    priority: p === undefined ? null : priorities[p],
    maxDurationMs: opts.maxDuration as number | undefined,
    maxTasks: opts.maxTasks as number | undefined,
    taskTimeoutMs: opts.taskTimeout === undefined ? defaultTaskTimeoutMs : (opts.taskTimeout as number) || undefined,
    threads,
  };
}

/**
 * Each worker thread loads its own decoders and model session (tens of MB), and extraction is CPU-bound: more than a
 * few per CPU only adds memory (100,000 threads ended in a V8 out-of-memory). 4 per CPU, never over 256.
 */
export function maxThreads(cpus: number): number {
  return Math.min(256, 4 * Math.max(1, cpus));
}

/** --threads is checked as it is parsed, so a bad value stops the command before phase 1 does any work. */
function parseThreads(value: string): number {
  const n = parsePositiveInt('--threads')(value);
  if (n > maxThreads(os.availableParallelism())) throw new InvalidArgumentError(tooManyThreads('--threads', n));
  return n;
}

function tooManyThreads(from: string, n: number): string {
  const cpus = os.availableParallelism();
  return `${from} must be at most ${maxThreads(cpus)} (4 per CPU, ${cpus} CPUs), got ${n}`;
}
