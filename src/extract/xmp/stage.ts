import type { StageConfig } from '../registry.js';
import type { StageDefinition } from '../stage.js';

/** The xmp stage's main-thread definition (null until built). */
export function xmpStage(_config: StageConfig): StageDefinition | null {
  return null;
}
