import type { StageConfig } from '../registry.js';
import type { StageDefinition } from '../stage.js';

/** The clip stage's main-thread definition (null until built). */
export function clipStage(_config: StageConfig): StageDefinition | null {
  return null;
}
