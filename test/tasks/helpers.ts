/** Test helpers: a real catalog in a temp dir with files inserted directly (phase 1 is not under test here). */
import '../temp.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCatalog, type Db } from '../../src/catalog/open.js';
import type { Clock, FileKind } from '../../src/types.js';
import type { StageDefinition } from '../../src/extract/stage.js';
import type { ClaimedTask, TaskStore } from '../../src/catalog/tasks.js';
import { commitTransactions, type CommitContext } from '../../src/tasks/commit.js';

export function tempDir(prefix = 'indexer-tasks-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function tempCatalog(): { db: Db; dir: string; file: string } {
  const dir = tempDir();
  const file = path.join(dir, 'catalog.db');
  return { db: openCatalog(file), dir, file };
}

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  constructor(public t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export function addRoot(db: Db, root: string): number {
  return db.prepare(`INSERT INTO roots (path, added_at) VALUES (?, 0) RETURNING id`).pluck().get(root) as number;
}

export interface TestFile {
  path: string;
  kind?: FileKind;
  ext?: string;
  size?: number;
  mtimeMs?: number;
  state?: 'present' | 'offline' | 'deleted';
  sidecarSize?: number | null;
  sidecarMtimeMs?: number | null;
}

export function addFile(db: Db, rootId: number, f: TestFile): number {
  const ext = f.ext ?? path.extname(f.path).slice(1).toLowerCase();
  return db
    .prepare(
      `INSERT INTO files (root_id, path, kind, ext, size, mtime_ms, ino, dev, identity, state, first_seen, last_seen,
         sidecar_size, sidecar_mtime_ms)
       VALUES (@rootId, @path, @kind, @ext, @size, @mtime, '1', 1, @identity, @state, 0, 0, @ss, @sm)
       RETURNING id`,
    )
    .pluck()
    .get({
      rootId,
      path: f.path,
      kind: f.kind ?? 'image',
      ext,
      size: f.size ?? 100,
      mtime: f.mtimeMs ?? 1000,
      identity: `id-${f.path}`,
      state: f.state ?? 'present',
      ss: f.sidecarSize ?? null,
      sm: f.sidecarMtimeMs ?? null,
    }) as number;
}

export function updateFile(db: Db, id: number, set: { size?: number; mtimeMs?: number; state?: string; sidecarSize?: number }): void {
  if (set.size !== undefined) db.prepare(`UPDATE files SET size = ? WHERE id = ?`).run(set.size, id);
  if (set.mtimeMs !== undefined) db.prepare(`UPDATE files SET mtime_ms = ? WHERE id = ?`).run(set.mtimeMs, id);
  if (set.state !== undefined) db.prepare(`UPDATE files SET state = ? WHERE id = ?`).run(set.state, id);
  if (set.sidecarSize !== undefined) db.prepare(`UPDATE files SET sidecar_size = ? WHERE id = ?`).run(set.sidecarSize, id);
}

export function taskRow(db: Db, fileId: number, stage: string): Record<string, any> {
  return db.prepare(`SELECT * FROM tasks WHERE file_id = ? AND stage = ?`).get(fileId, stage) as Record<string, any>;
}

/** A stage definition for planning tests (never run on a worker). */
export function fakeStage(name: string, over: Partial<StageDefinition> = {}): StageDefinition {
  return {
    name,
    version: 1,
    lane: 'meta',
    maxAttempts: 3,
    dependsOn: [],
    workerModule: 'file:///nonexistent.js',
    accepts: (f) => (f.kind === 'video' ? { ok: false, reason: 'videos are skipped' } : { ok: true }),
    options: () => ({}),
    commit: () => {},
    ...over,
  };
}

/** The lease of the test's run 1. */
export const lease = { runId: 1, pid: 4242, leaseMs: 60_000 };

/** Claims up to `limit` tasks of these stages as run 1, at the clock's time (ordinary tasks, not suspects). */
export function claimAt(store: TaskStore, clock: Clock, stages: string[], limit: number): ClaimedTask[] {
  return store.claim({ ...lease, stages, limit, now: clock.now(), suspect: false });
}

/** What commitSettled needs for one run's outcomes: no jitter (random 0.5), 1 s backoff doubling to a minute. */
export function commitContext(db: Db, store: TaskStore, stages: StageDefinition[], runId: number, now: number): CommitContext {
  return {
    db,
    store,
    stages: new Map(stages.map((s) => [s.name, s])),
    runId,
    now,
    random: () => 0.5,
    backoff: { baseMs: 1000, capMs: 60_000 },
    perStage: {},
    totals: { planned: 0, rearmed: 0, coalesced: 0, recovered: 0, done: 0, failed: 0, skipped: 0, released: 0 },
    tx: commitTransactions(db),
  };
}
