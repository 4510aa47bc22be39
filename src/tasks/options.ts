/**
 * Phase-2 options resolved once into typed values: the engine's, each stage's and the output's. The flags are
 * declared in cli/phase2-flags.ts; whatever reaches here (parsed by commander, or raw from another caller) is checked,
 * and a bad value is a usage error that names its flag.
 */
import os from 'node:os';
import { UserError } from '../errors.js';
import { durationOption, positiveIntOption } from '../option-values.js';
import { thumbnailOptions, type ThumbnailOptions } from '../extract/thumbnail/options.js';
import { clipOptions, type ClipOptions } from '../extract/clip/options.js';
import type { OutputOptions } from '../extract/registry.js';

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
  /** The --max-duration the user gave, for the run's note: a worker hands each round only what is left of it. */
  maxDurationGivenMs?: number;
  maxTasks?: number;
  taskTimeoutMs?: number;
  threads: number;
}

/** Everything phase 2 takes from the command line and the environment, resolved and checked. */
export interface Phase2Options {
  engine: EngineOptions;
  thumbnail: ThumbnailOptions;
  clip: ClipOptions;
  output: OutputOptions;
}

export function resolveOptions(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): Phase2Options {
  return {
    engine: engineOptions(opts, env),
    thumbnail: thumbnailOptions(opts),
    clip: clipOptions(opts),
    output: { json: !!opts.json, quiet: !!opts.quiet, verbose: !!opts.verbose },
  };
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
  const taskTimeout = durationOption('--task-timeout', opts.taskTimeout);
  const maxDurationMs = durationOption('--max-duration', opts.maxDuration);
  return {
    stages,
    priority: p === undefined ? null : priorities[p],
    maxDurationMs,
    maxDurationGivenMs: (opts.maxDurationGiven as number | undefined) ?? maxDurationMs,
    maxTasks: positiveIntOption('--max-tasks', opts.maxTasks),
    taskTimeoutMs: taskTimeout === undefined ? defaultTaskTimeoutMs : taskTimeout || undefined,
    threads: threadsOption(opts.threads, env),
  };
}

/** --threads, else $INDEXER_THREADS, else one per CPU; never over maxThreads. */
function threadsOption(flag: unknown, env: NodeJS.ProcessEnv): number {
  const envThreads = env.INDEXER_THREADS ? Number(env.INDEXER_THREADS) : undefined;
  if (envThreads !== undefined && (!Number.isInteger(envThreads) || envThreads <= 0)) {
    throw new UserError(`INDEXER_THREADS must be a positive integer, got '${env.INDEXER_THREADS}'`);
  }
  const fromFlag = positiveIntOption('--threads', flag);
  const threads = fromFlag ?? envThreads ?? Math.max(1, os.availableParallelism());
  if (threads > maxThreads(os.availableParallelism())) throw new UserError(tooManyThreads(fromFlag !== undefined ? '--threads' : 'INDEXER_THREADS', threads));
  return threads;
}

/**
 * Each worker thread loads its own decoders and model session (tens of MB), and extraction is CPU-bound: more than a
 * few per CPU only adds memory (100,000 threads ended in a V8 out-of-memory). 4 per CPU, never over 256.
 */
export function maxThreads(cpus: number): number {
  return Math.min(256, 4 * Math.max(1, cpus));
}

export function tooManyThreads(from: string, n: number): string {
  const cpus = os.availableParallelism();
  return `${from} must be at most ${maxThreads(cpus)} (4 per CPU, ${cpus} CPUs), got ${n}`;
}
