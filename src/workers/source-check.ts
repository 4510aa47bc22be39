/**
 * The worker-side check that a task's file is still the one the catalog describes (size + mtime, and the identity
 * hash where the stage's outputs are keyed by it), before the stage reads it and after it is done.
 */
import type { StageOutcome, TaskInput } from '../extract/stage.js';
import { sourceChanged, sourceMoved } from '../extract/source-stat.js';
import { fileIdentity } from '../scan/identity.js';

/** Before the stage runs: a failed outcome when the file is gone or is not the recorded one; null to go ahead. */
export async function checkBefore(input: TaskInput): Promise<StageOutcome<never> | null> {
  const mode = input.verify ?? 'none';
  if (mode === 'none' || !input.path) return null;
  const moved = sourceMoved(input);
  if (moved || mode !== 'identity' || !input.identity) return moved;
  let identity: string;
  try {
    identity = await fileIdentity(input.path, input.size);
  } catch {
    return sourceMoved(input); // gone meanwhile, or unreadable: the stage's own read says why
  }
  // Same size and mtime but other bytes (a copy that kept the mtime, an edit in place within the same millisecond).
  return identity === input.identity ? null : sourceChanged(input.path, 'same size and mtime, other content');
}

/** After a done outcome: a file that changed while the stage read it gives a result that belongs to neither. */
export function checkAfter(input: TaskInput, outcome: StageOutcome): StageOutcome {
  if (outcome.status !== 'done' || (input.verify ?? 'none') === 'none' || !input.path) return outcome;
  return sourceMoved(input) ?? outcome;
}
