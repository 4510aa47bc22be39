import type { StageConfig } from '../registry.js';
import type { StageDefinition } from '../stage.js';

/** The exif stage's main-thread definition (null until built). */
export function exifStage(_config: StageConfig): StageDefinition | null {
  return null;
}
