/**
 * src/catalog/copy.ts (what `indexer migrate` runs), from a SQLite catalog into a fresh catalog of each backend.
 */
import '../temp.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it, type TestContext } from 'node:test';
import { openCatalog } from '../../src/catalog/open.js';
import type { Db } from '../../src/catalog/sql.js';
import { CopyRefused, copyCatalog } from '../../src/catalog/copy.js';
import { catalogTables } from '../../src/catalog/schema-info.js';
import { forEachBackend } from '../helpers/backends.js';

function sqliteCatalog(t: TestContext): Db {
  const db = openCatalog(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'copy-')), 'catalog.db')) as unknown as Db;
  t.after(() => void db.close());
  return db;
}

/** A small catalog with a row in the tables that matter, ids with gaps, trigger-kept values and a running task. */
function seed(db: Db): void {
  db.exec(`
    INSERT INTO roots (id, path, added_at) VALUES (3, '/photos', 1);
    INSERT INTO files (id, root_id, path, dir, kind, ext, size, mtime_ms, ino, dev, identity, first_seen, last_seen)
      VALUES (10, 3, '/photos/a.jpg', '/photos', 'image', 'jpg', 5, 2, '99999999999999999999', 1, 'x', 1, 1),
             (12, 3, '/photos/b.jpg', '/photos', 'image', 'jpg', 6, 2, '7', 1, 'y', 1, 1);
    INSERT INTO folder_digests (dir, digest) VALUES ('/photos', 'abc');
    INSERT INTO runs (id, started_at, pid, command, outcome) VALUES (4, 1, 4000000, 'scan', 'running');
    INSERT INTO tasks (id, file_id, stage, state, fingerprint, attempts, max_attempts, lease_run, lease_pid, lease_expires, created_at, updated_at)
      VALUES (20, 10, 'thumbnail', 'running', 'f', 1, 3, 4, 4000000, 5, 1, 1),
             (21, 10, 'clip', 'pending', 'f', 0, 3, NULL, NULL, NULL, 1, 1);
    INSERT INTO task_deps (task_id, dep_id) VALUES (21, 20);
    INSERT INTO clip_models (id, name, dir, dim, first_used, last_used) VALUES ('m@1', 'm', '/m', 2, 1, 1);
    INSERT INTO embeddings (file_id, model_id, vector, created_at, seq) VALUES (10, 'm@1', x'0000803f00000000', 1, 1),
                                                                               (12, 'm@1', x'000000000000803f', 1, 2);
    INSERT INTO exif (file_id, exposure_time, gps_lat) VALUES (10, 0.0125, -33.8688197);
  `);
}

function rows(db: Db, table: string, columns: number): unknown[] {
  const order = Array.from({ length: columns }, (_, i) => i + 1).join(', ');
  return db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all();
}

function everyRow(db: Db): Record<string, unknown[]> {
  return Object.fromEntries(catalogTables(db).map((t) => [t.name, rows(db, t.name, t.columns.length)]));
}

forEachBackend((backend) => {
  it('copies every row with its id; trigger-kept values stay as they were; new ids follow the copied ones', (t) => {
    const source = sqliteCatalog(t);
    seed(source);
    const target = backend.open(t);
    const report = copyCatalog(source, target, { now: 50 });
    assert.equal(report.handedBack, 1);
    assert.deepEqual(Object.fromEntries(report.tables.map((c) => [c.table, c.rows])).files, 2);

    const [before, after] = [everyRow(source), everyRow(target)];
    // Apart from the hand-back, every row is the same (clip_models.generation: 2, from the source's triggers).
    assert.deepEqual(after.clip_models, before.clip_models);
    assert.equal((after.clip_models![0] as { generation: number }).generation, 2);
    assert.deepEqual(after.folder_digests, [{ dir: '/photos', digest: 'abc' }]);
    for (const table of Object.keys(before).filter((n) => n !== 'tasks' && n !== 'runs')) assert.deepEqual(after[table], before[table], table);
    // The triggers work again after the copy.
    target.prepare(`DELETE FROM embeddings WHERE file_id = 12`).run();
    assert.equal(target.prepare(`SELECT generation FROM clip_models`).pluck().get(), 3);
    // Identity sequences (PostgreSQL) continue after the highest copied id.
    assert.equal(target.prepare(`INSERT INTO roots (path, added_at) VALUES ('/more', 2) RETURNING id`).pluck().get(), 4);
    assert.equal(target.prepare(`INSERT INTO runs (started_at, pid, command) VALUES (2, 1, 'scan') RETURNING id`).pluck().get(), 5);
  });

  it('a task running in the source comes across pending, its lease cleared and its attempt given back; its run as crashed', (t) => {
    const source = sqliteCatalog(t);
    seed(source);
    const target = backend.open(t);
    copyCatalog(source, target, { now: 50 });
    const task = target.prepare(`SELECT state, attempts, lease_run, lease_pid, lease_expires, updated_at FROM tasks WHERE id = 20`).get();
    assert.deepEqual({ ...task }, { state: 'pending', attempts: 0, lease_run: null, lease_pid: null, lease_expires: null, updated_at: 50 });
    assert.equal(target.prepare(`SELECT outcome FROM runs WHERE id = 4`).pluck().get(), 'crashed');
    assert.equal(source.prepare(`SELECT state FROM tasks WHERE id = 20`).pluck().get(), 'running', 'the source is only read');
  });

  it('a target holding rows is refused and left as it was', (t) => {
    const source = sqliteCatalog(t);
    seed(source);
    const target = backend.open(t);
    target.prepare(`INSERT INTO roots (path, added_at) VALUES ('/mine', 1)`).run();
    assert.throws(() => copyCatalog(source, target, { now: 50 }), (err) => err instanceof CopyRefused && /table roots has rows/.test(err.message));
    assert.deepEqual(target.prepare(`SELECT path FROM roots`).pluck().all(), ['/mine']);
    assert.equal(target.prepare(`SELECT count(*) FROM files`).pluck().get(), 0);
  });

  it('a copy that fails part way leaves the target empty, its triggers in place', (t) => {
    const source = sqliteCatalog(t);
    seed(source);
    // A task of a file the source no longer has (written with foreign keys off): the target's foreign key refuses it.
    source.exec(`PRAGMA foreign_keys = OFF`);
    source.prepare(`INSERT INTO tasks (id, file_id, stage, fingerprint, max_attempts, created_at, updated_at) VALUES (30, 999, 'exif', 'f', 3, 1, 1)`).run();
    const target = backend.open(t);
    assert.throws(() => copyCatalog(source, target, { now: 50 }), /foreign key/i);
    for (const table of catalogTables(target)) assert.equal(target.prepare(`SELECT count(*) FROM ${table.name}`).pluck().get(), 0, table.name);
    target.prepare(`INSERT INTO clip_models (id, name, dir, dim, first_used, last_used) VALUES ('m@1', 'm', '/m', 2, 1, 1)`).run();
    target.prepare(`INSERT INTO roots (id, path, added_at) VALUES (1, '/p', 1)`).run();
    target.prepare(`INSERT INTO files (id, root_id, path, kind, ext, size, mtime_ms, ino, dev, first_seen, last_seen) VALUES (1, 1, '/p/a', 'image', 'jpg', 1, 1, '1', 1, 1, 1)`).run();
    target.prepare(`INSERT INTO embeddings (file_id, model_id, vector, created_at) VALUES (1, 'm@1', ?, 1)`).run(Buffer.alloc(8));
    assert.equal(target.prepare(`SELECT generation FROM clip_models`).pluck().get(), 1);
  });
});
