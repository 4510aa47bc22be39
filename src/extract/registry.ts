import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StageDefinition } from './stage.js';
import { thumbnailStage } from './thumbnail/stage.js';
import { exifStage } from './exif/stage.js';
import { xmpStage } from './xmp/stage.js';
import { clipStage } from './clip/stage.js';
import { videoStage } from './video/stage.js';
import { motionStage } from './video/motion-stage.js';
import { thumbnailOptions, type ThumbnailOptions } from './thumbnail/options.js';
import { clipOptions, type ClipOptions } from './clip/options.js';
import { taskTimeout } from './video/options.js';
import { systemClock, type Clock, type Logger } from '../types.js';

/** How the command talks: --json, --quiet, --verbose. */
export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

/** Settings the stages are built from: resolved options (tasks/options.ts), the environment, a clock and a logger. */
export interface StageConfig {
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  thumbnail: ThumbnailOptions;
  clip: ClipOptions;
  output: OutputOptions;
  /** --task-timeout in ms (undefined: none): the video stages keep their child processes under it. */
  taskTimeoutMs: number | undefined;
  clock: Clock;
  logger: Logger;
  /** The command's options as given, for stages loaded from INDEXER_EXTRA_STAGES. */
  options: Record<string, unknown>;
  /** The stages the run was asked for (--stages), null for all: a stage may prepare work for one that runs later. */
  selectedStages: readonly string[] | null;
}

/** What a caller that has not resolved options hands over; the rest is resolved from OPTIONS here. */
export interface RawStageConfig {
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  options: Record<string, unknown>;
  clock?: Clock;
  logger?: Logger;
  selectedStages?: readonly string[] | null;
}

/** A StageConfig from raw options (commands other than scan/resume, tests); bad values are usage errors. */
export function stageConfig(raw: RawStageConfig): StageConfig {
  const output = { json: !!raw.options.json, quiet: !!raw.options.quiet, verbose: !!raw.options.verbose };
  return {
    cacheDir: raw.cacheDir,
    env: raw.env,
    thumbnail: thumbnailOptions(raw.options),
    clip: clipOptions(raw.options),
    output,
    taskTimeoutMs: taskTimeout(raw.options.taskTimeout) || undefined,
    clock: raw.clock ?? systemClock,
    logger: raw.logger ?? stderrLogger(process.stderr, output.quiet),
    options: raw.options,
    selectedStages: raw.selectedStages ?? null,
  };
}

/**
 * Stages' messages on stderr, so stdout stays clean for --json; QUIET silences the informational ones. The CLI may
 * pass its own logger instead.
 */
export function stderrLogger(stderr: NodeJS.WritableStream, quiet: boolean): Logger {
  return {
    info: (m) => {
      if (!quiet) stderr.write(m + '\n');
    },
    warn: (m) => stderr.write(m + '\n'),
    error: (m) => stderr.write(m + '\n'),
  };
}

/** Every real stage, in a stable order. Exactly one definition per name. */
export function buildStages(config: StageConfig): StageDefinition[] {
  const stages = [thumbnailStage(config), exifStage(config), xmpStage(config), videoStage(config), motionStage(config), clipStage(config)].filter(
    (s): s is StageDefinition => s !== null,
  );
  return checkedStages(stages);
}

/**
 * Extra stages loaded from modules named in $INDEXER_EXTRA_STAGES (paths or file URLs, separated by ':' or ','):
 * each exports `stages(config): StageDefinition[]` or `stages: StageDefinition[]`. Used by tests and benchmarks to
 * plug trivial or hostile stages into the real CLI.
 */
async function loadExtraStages(config: StageConfig): Promise<StageDefinition[]> {
  const spec = config.env.INDEXER_EXTRA_STAGES;
  if (!spec) return [];
  const out: StageDefinition[] = [];
  for (const entry of spec.split(/[,:](?!\/\/)/).filter(Boolean)) {
    const url = entry.startsWith('file:') ? entry : pathToFileURL(path.resolve(entry)).href;
    const mod = (await import(url)) as { stages?: StageDefinition[] | ((c: StageConfig) => StageDefinition[]) };
    const list = typeof mod.stages === 'function' ? mod.stages(config) : mod.stages;
    if (!Array.isArray(list)) throw new Error(`${entry} (INDEXER_EXTRA_STAGES) does not export stages`);
    out.push(...list);
  }
  return out;
}

/** Real stages plus extra ones, checked as one set (an extra stage may depend on a real one). */
export async function loadAllStages(config: StageConfig): Promise<StageDefinition[]> {
  return checkedStages([...buildStages(config), ...(await loadExtraStages(config))]);
}

/**
 * The stages as given, once each name is unique and every `dependsOn` names one of them. A misspelt dependency would
 * otherwise be dropped at planning time, and the stage would run before the work it needs.
 */
export function checkedStages(stages: StageDefinition[]): StageDefinition[] {
  const names = new Set<string>();
  for (const s of stages) {
    if (names.has(s.name)) throw new Error(`two stages are named '${s.name}'`);
    names.add(s.name);
  }
  for (const s of stages) {
    for (const dep of s.dependsOn) {
      if (!names.has(dep)) throw new Error(`stage '${s.name}' depends on '${dep}', which is not a stage (stages: ${[...names].join(', ')})`);
    }
  }
  const circle = dependencyCircle(stages);
  if (circle) throw new Error(`stages depend on each other in a circle, so none of them could run: ${circle.join(' -> ')}`);
  return stages;
}

/** A chain of dependencies that comes back to where it started, or null when there is none. */
function dependencyCircle(stages: StageDefinition[]): string[] | null {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const finished = new Set<string>();
  const visit = (name: string, chain: string[]): string[] | null => {
    if (chain.includes(name)) return [...chain.slice(chain.indexOf(name)), name];
    if (finished.has(name)) return null;
    for (const dep of byName.get(name)!.dependsOn) {
      const found = visit(dep, [...chain, name]);
      if (found) return found;
    }
    finished.add(name);
    return null;
  };
  for (const s of stages) {
    const found = visit(s.name, []);
    if (found) return found;
  }
  return null;
}
