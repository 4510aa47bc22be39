import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openCatalog, schemaVersion } from '../../src/catalog/open.js';

function tmpDb(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-open-')), 'sub', 'catalog.db');
}

test('a new catalog is created with its directories, in WAL mode, at the current schema', () => {
  const file = tmpDb();
  const db = openCatalog(file);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), schemaVersion);
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
