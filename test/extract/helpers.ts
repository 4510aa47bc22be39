/** Shared helpers for the image-stage tests: fixture paths, task inputs, temp dirs, a catalog with one file. */
import '../temp.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCatalog, type Db } from '../../src/catalog/open.js';
import type { StageOutcome, TaskInput } from '../../src/extract/stage.js';
import type { ThumbnailValue } from '../../src/extract/thumbnail/work.js';
import type { FileKind } from '../../src/types.js';

/** Repository root (tests run from dist/test/extract). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const media = (...parts: string[]) => path.join(repoRoot, 'fixtures', 'media', ...parts);

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `indexer-${prefix}-`));
}

const RAW = new Set(['dng', 'cr2', 'cr3', 'nef', 'arw', 'orf', 'rw2', 'raf']);
const VIDEO = new Set(['mp4', 'mov', 'm4v', 'avi', 'mkv', 'webm', '3gp']);

let counter = 0;
export function taskInput(file: string, overrides: Partial<TaskInput> = {}): TaskInput {
  const ext = path.extname(file).slice(1).toLowerCase();
  const kind: FileKind = RAW.has(ext) ? 'raw' : VIDEO.has(ext) ? 'video' : 'image';
  const st = fs.statSync(file);
  counter++;
  return {
    taskId: counter,
    fileId: counter,
    stage: 'test',
    path: file,
    kind,
    ext,
    size: st.size,
    mtimeMs: st.mtimeMs,
    identity: `${st.size.toString(16)}a1b2c3d4e5f6${counter.toString(16).padStart(4, '0')}`,
    sidecarPath: null,
    cacheDir: tempDir('cache'),
    options: {},
    ...overrides,
  };
}

/** The thumbnail worker's value, after asserting it finished (the outcome is shown when it did not). */
export function done(outcome: StageOutcome<ThumbnailValue>): ThumbnailValue {
  assert.equal(outcome.status, 'done', JSON.stringify(outcome));
  return (outcome as { value: ThumbnailValue }).value;
}

/** A real catalog in a temp dir with one root and one file row; returns the file id. */
export function catalogWithFile(filePath: string, identity = 'feedface'): { db: Db; fileId: number; dbPath: string } {
  const dbPath = path.join(tempDir('catalog'), 'catalog.db');
  const db = openCatalog(dbPath);
  const root = db.prepare('INSERT INTO roots (path, added_at) VALUES (?, 0)').run(path.dirname(filePath));
  const file = db
    .prepare(
      `INSERT INTO files (root_id, path, kind, ext, size, mtime_ms, ino, dev, identity, first_seen, last_seen)
       VALUES (?, ?, 'image', ?, 1, 0, '1', 1, ?, 0, 0)`,
    )
    .run(root.lastInsertRowid, filePath, path.extname(filePath).slice(1), identity);
  return { db, fileId: Number(file.lastInsertRowid), dbPath };
}
