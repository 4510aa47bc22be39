/**
 * A task's life: pending -> running -> done | failed | skipped, or pending -> canceled. Every transition and query
 * of the catalog names its states through this type, and the SQL literals through `sqlStates` (checked here, once).
 */
export const TASK_STATES = ['pending', 'running', 'done', 'failed', 'skipped', 'canceled'] as const;

export type TaskState = (typeof TASK_STATES)[number];

/** The end of a task's life until its fingerprint changes or `indexer retry`. */
export type FinishedState = Extract<TaskState, 'done' | 'failed' | 'skipped'>;

/** A SQL list of states for `IN (...)`, typed so a misspelt state fails to compile. */
export function sqlStates(...states: TaskState[]): string {
  return states.map((s) => `'${s}'`).join(', ');
}
