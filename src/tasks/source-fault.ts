/**
 * A worker found a task's file gone from its path or no longer the file the scan recorded (StageOutcome.source).
 * That is not the content's fault, so no attempt is spent and nothing fails:
 * - the file is gone and so is its root (renamed, unmounted): the root and its files go offline, as a scan would
 *   mark them, and their tasks wait for the root to come back;
 * - the file alone is gone (moved, deleted): it goes offline; the next scan finds the move (same id, its tasks run
 *   at the new path) or the deletion (its tasks are canceled);
 * - the file changed: its row takes what is there now and its tasks are planned again for the new content, so
 *   nothing is written under the old identity.
 */
import fs from 'node:fs';
import type { ClaimedTask } from '../catalog/tasks.js';
import type { Db } from '../catalog/open.js';
import { markFileOffline, markRootOffline, refreshFileContent, rootOfFile } from '../catalog/task-sources.js';
import { fileIdentity } from '../scan/identity.js';
import { probeRoot } from '../scan/probe.js';
import type { StageDefinition } from '../extract/stage.js';
import { planTasks } from './plan.js';
import type { MapPath } from './path-map.js';

export type SourceFinding =
  | { kind: 'file gone' }
  | { kind: 'root gone'; rootId: number; rootPath: string; why: string }
  | { kind: 'changed'; size: number; mtimeMs: number; ino: string; dev: number; identity: string };

/** A changed file is not taken again at once: one still being written would otherwise be hashed in a loop. */
export const CHANGED_SETTLE_MS = 1_000;

/** Looks at the file (and its root) on the main thread, before the result is committed. */
export async function inspectSource(db: Db, task: ClaimedTask, mapPath: MapPath = (p) => p): Promise<SourceFinding> {
  try {
    const st = await fs.promises.stat(mapPath(task.path));
    const identity = await fileIdentity(mapPath(task.path), st.size);
    return { kind: 'changed', size: st.size, mtimeMs: Math.trunc(st.mtimeMs), ino: String(st.ino), dev: st.dev, identity };
  } catch {
    // Gone (or unreadable) now: whether the whole root went decides how long it waits.
  }
  const root = rootOfFile(db, task.fileId);
  if (!root) return { kind: 'file gone' };
  const probe = await probeRoot(mapPath(root.path));
  if (!probe.ok) return { kind: 'root gone', rootId: root.id, rootPath: root.path, why: probe.reason };
  if (probe.empty) return { kind: 'root gone', rootId: root.id, rootPath: root.path, why: 'is empty (an unmounted share?)' };
  return { kind: 'file gone' };
}

/** Inside the commit transaction, after the task was handed back. Returns the root that went offline, if any. */
export function applySourceFinding(
  db: Db,
  task: ClaimedTask,
  finding: SourceFinding,
  plan: { stages: StageDefinition[]; now: number },
): { rootPath: string; why: string; files: number } | null {
  if (finding.kind === 'root gone') {
    const files = markRootOffline(db, finding.rootId);
    return files === null ? null : { rootPath: finding.rootPath, why: finding.why, files };
  }
  if (finding.kind === 'file gone') {
    markFileOffline(db, task.fileId);
    return null;
  }
  const { kind: _kind, ...seen } = finding;
  if (refreshFileContent(db, task.fileId, seen)) {
    planTasks(db, plan.stages, { now: plan.now, priority: null, fileIds: [task.fileId] });
  }
  return null;
}
