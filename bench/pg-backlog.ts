/**
 * Backlogs for the PostgreSQL benchmarks: built once in a SQLite catalog (file rows written directly, tasks planned
 * by the engine's own planner), then cloned into as many catalogs as a benchmark compares with `indexer migrate`'s
 * copy (src/catalog/copy.ts), so every side starts from the same rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCatalog } from '../src/catalog/open.js';
import type { Db } from '../src/catalog/sql.js';
import { loadAllStages, stageConfig } from '../src/extract/registry.js';
import { planTasks } from '../src/tasks/plan.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The trivial test stage (returns at once), plugged in as tests do. */
export const trivialStages = path.resolve(here, '..', 'test', 'fixtures-stages', 'stages.js');

/** A file row to write: its path and what the scan would have recorded for it. */
interface FileRow {
  path: string;
  size: number;
  mtimeMs: number;
  identity: string;
}

/** A new SQLite catalog holding `files` (one root) and the planned tasks of `stage`; returns its path. */
export async function sqliteBacklog(files: FileRow[], stage: string, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-bench-backlog-'));
  const file = path.join(dir, 'catalog.db');
  const db = openCatalog(file);
  try {
    const root = db.prepare(`INSERT INTO roots (path, added_at) VALUES (?, 0) RETURNING id`).pluck().get(path.dirname(files[0]!.path)) as number;
    const insert = db.prepare(
      `INSERT INTO files (root_id, path, dir, kind, ext, size, mtime_ms, ino, dev, identity, first_seen, last_seen)
       VALUES (?, ?, ?, 'image', 'jpg', ?, ?, '1', 1, ?, 0, 0)`,
    );
    db.transaction(() => {
      for (const f of files) insert.run(root, f.path, path.dirname(f.path), f.size, Math.trunc(f.mtimeMs), f.identity);
    })();
    const stages = (await loadAllStages(stageConfig({ cacheDir: path.join(dir, 'cache'), env, options: {} }))).filter((s) => s.name === stage);
    if (stages.length !== 1) throw new Error(`no stage named ${stage}`);
    planTasks(db, stages, { now: Date.now(), priority: null });
  } finally {
    db.close();
  }
  return file;
}

/** `n` made-up files under /bench (the trivial stage never opens them). */
export function syntheticFiles(n: number): FileRow[] {
  return Array.from({ length: n }, (_, i) => ({ path: `/bench/${i}.jpg`, size: 1000, mtimeMs: 0, identity: `id${i}` }));
}

/**
 * `photos`, each linked `copies` times under a temp folder with a made-up identity of its own: every task of the
 * backlog decodes and encodes a whole photo (a shared identity would share one cache file and skip the work).
 */
export function photoFiles(photos: string[], copies: number): FileRow[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-bench-photos-'));
  const rows: FileRow[] = [];
  for (let c = 0; c < copies; c++) {
    for (const [i, photo] of photos.entries()) {
      const link = path.join(dir, `${c}-${i}-${path.basename(photo)}`);
      fs.symlinkSync(photo, link);
      const st = fs.statSync(link);
      rows.push({ path: link, size: st.size, mtimeMs: st.mtimeMs, identity: `bench-${c}-${i}-${st.size}` });
    }
  }
  return rows;
}

/** Pending tasks of a catalog (a clone that came out empty would measure nothing). */
export function pendingTasks(db: Db): number {
  return Number(db.prepare(`SELECT count(*) FROM tasks WHERE state = 'pending'`).pluck().get());
}
