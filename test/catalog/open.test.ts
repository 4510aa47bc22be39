import '../temp.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openCatalog, schemaVersion } from '../../src/catalog/open.js';
import { catalogSchemaVersion } from '../../src/catalog/maintenance.js';

function tmpDb(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-open-')), 'sub', 'catalog.db');
}

test('a new catalog is created with its directories, in WAL mode, at the current schema', () => {
  const file = tmpDb();
  const db = openCatalog(file);
  assert.equal(db.dialect, 'sqlite');
  assert.equal(db.prepare('PRAGMA journal_mode').pluck().get(), 'wal');
  assert.equal(catalogSchemaVersion(db), schemaVersion);
  db.close();
  assert.ok(fs.existsSync(file));
});

test('a catalog written by a newer version is refused and left untouched', () => {
  const file = tmpDb();
  openCatalog(file).close();
  const raw = new Database(file);
  raw.pragma(`user_version = ${schemaVersion + 1}`);
  raw.close();
  const before = fs.readFileSync(file);
  assert.throws(() => openCatalog(file), /newer indexer/);
  assert.deepEqual(fs.readFileSync(file), before);
});

test('the scan migration adds the folder column and index, move bookkeeping and the root scan marker', () => {
  const db = openCatalog(tmpDb());
  const cols = (table: string) => (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
  for (const c of ['id', 'root_id', 'path', 'kind', 'ext', 'size', 'mtime_ms', 'ino', 'dev', 'identity', 'state', 'first_seen', 'last_seen', 'deleted_at', 'sidecar_path', 'sidecar_size', 'sidecar_mtime_ms', 'dir', 'added_scan']) {
    assert.ok(cols('files').includes(c), c);
  }
  assert.ok(cols('roots').includes('last_complete_scan'));
  const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM files WHERE dir = ?`).all('/x') as { detail: string }[];
  assert.match(plan.map((p) => p.detail).join(' '), /files_dir/);
  db.close();
});
