import type { StageDefinition } from './stage.js';
import { thumbnailStage } from './thumbnail/stage.js';
import { exifStage } from './exif/stage.js';
import { xmpStage } from './xmp/stage.js';
import { clipStage } from './clip/stage.js';

/** Settings the stages are built from (command-line options, environment). */
export interface StageConfig {
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  /** Free-form per-stage options from the command line (e.g. model dir, device, sizes). */
  options: Record<string, unknown>;
}

/** Every real stage, in a stable order. Exactly one definition per name. */
export function buildStages(config: StageConfig): StageDefinition[] {
  const stages = [thumbnailStage(config), exifStage(config), xmpStage(config), clipStage(config)].filter(
    (s): s is StageDefinition => s !== null,
  );
  const names = new Set<string>();
  for (const s of stages) {
    if (names.has(s.name)) throw new Error(`two stages are named '${s.name}'`);
    names.add(s.name);
  }
  return stages;
}
