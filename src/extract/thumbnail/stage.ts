import type { StageConfig } from '../registry.js';
import type { StageDefinition } from '../stage.js';

/** The thumbnail stage's main-thread definition (null until built). */
export function thumbnailStage(_config: StageConfig): StageDefinition | null {
  return null;
}
