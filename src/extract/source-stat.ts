/**
 * Is the file at a task's path still the one the scan recorded? Workers ask before they read it and before they
 * write anything keyed by its identity: a file replaced between the scan and the task must not have its bytes stored
 * under the old file's identity (outputs are shared by identity, so another file would show them).
 */
import fs from 'node:fs';
import type { StageOutcome, TaskInput } from './stage.js';
import type { TaskFile } from '../types.js';

/** A failed outcome naming what happened to the file, or null when size and mtime still match the catalog. */
export function sourceMoved(file: Pick<TaskFile, 'path' | 'size' | 'mtimeMs'>): StageOutcome<never> | null {
  let st: fs.Stats;
  try {
    st = fs.statSync(file.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return sourceGone(file.path, code);
    return null; // unreadable in another way: the stage's own read reports it
  }
  if (st.size === file.size && Math.trunc(st.mtimeMs) === file.mtimeMs) return null;
  return sourceChanged(file.path, `now ${st.size} bytes, modified ${new Date(st.mtimeMs).toISOString()}`);
}

/** sourceMoved for a task whose stage asked for its file to be checked (TaskInput.verify); null otherwise. */
export function checkedSourceMoved(input: TaskInput): StageOutcome<never> | null {
  return (input.verify ?? 'none') === 'none' ? null : sourceMoved(input);
}

export function sourceGone(path: string, code: string): StageOutcome<never> {
  return { status: 'failed', reason: `${path}: the file is no longer there (${code}); it waits for the next scan`, source: 'gone' };
}

export function sourceChanged(path: string, how: string): StageOutcome<never> {
  return { status: 'failed', reason: `${path}: the file changed since it was scanned (${how})`, source: 'changed' };
}
