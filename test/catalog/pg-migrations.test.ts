/**
 * The PostgreSQL catalog's migrations mirror SQLite's: same count, and a fresh catalog has every table, column (same
 * type class and NOT NULL), index (partial ones partial) and trigger, with the triggers doing the same work. A newer
 * schema is refused with SQLite's message; processes opening a fresh catalog at once migrate it once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrations } from '../../src/catalog/migrations/index.js';
import { pgMigrations } from '../../src/catalog/migrations/pg/index.js';
import { openCatalog } from '../../src/catalog/open.js';
import type { Db } from '../../src/catalog/sql.js';
import { UserError } from '../../src/errors.js';
import { PG_SKIP, freshPgDatabase } from '../helpers/pg.js';
import { repoRoot } from '../e2e/helpers.js';

const pgType: Record<string, string> = { INTEGER: 'bigint', TEXT: 'text', REAL: 'double precision', BLOB: 'bytea' };

function sqliteSchema() {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'schema-')), 'c.db');
  openCatalog(file).close();
  const db = new Database(file, { readonly: true });
  const objects = db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`).all() as Array<{ type: string; name: string; tbl_name: string; sql: string | null }>;
  const columns = new Map<string, Array<{ name: string; type: string; notnull: number; pk: number }>>();
  for (const o of objects.filter((o) => o.type === 'table')) columns.set(o.name, db.prepare(`SELECT * FROM pragma_table_info(?)`).all(o.name) as never);
  db.close();
  return { objects, columns };
}

function openPg(url: string): Db {
  return openCatalog(url) as unknown as Db;
}

it('both migration lists have the same length (entry i of each brings its catalog to version i + 1)', () => {
  assert.equal(pgMigrations.length, migrations.length);
});

describe('PostgreSQL migrations', { skip: PG_SKIP }, () => {
  it('a fresh catalog has every SQLite table and column (type class, NOT NULL), index (partial ones partial) and trigger', (t) => {
    const lite = sqliteSchema();
    const db = openPg(freshPgDatabase(t));
    t.after(() => void db.close());
    assert.equal(db.prepare('SELECT version FROM schema_version').pluck().get(), migrations.length);
    const pgCols = db
      .prepare(`SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`)
      .all() as Array<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>;
    for (const [table, cols] of lite.columns) {
      for (const c of cols) {
        const pg = pgCols.find((p) => p.table_name === table && p.column_name === c.name);
        assert.ok(pg, `${table}.${c.name} exists on PostgreSQL`);
        assert.equal(pg.data_type, pgType[c.type.toUpperCase()], `${table}.${c.name} type`);
        assert.equal(pg.is_nullable === 'NO', c.notnull === 1 || c.pk > 0, `${table}.${c.name} NOT NULL`);
      }
      assert.equal(pgCols.filter((p) => p.table_name === table).length, cols.length, `${table} has no extra columns`);
    }
    const pgIndexes = new Map((db.prepare(`SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'`).all() as Array<{ indexname: string; tablename: string; indexdef: string }>).map((i) => [i.indexname, i]));
    for (const ix of lite.objects.filter((o) => o.type === 'index' && o.sql)) {
      const pg = pgIndexes.get(ix.name);
      assert.ok(pg, `index ${ix.name} exists on PostgreSQL`);
      assert.equal(pg.tablename, ix.tbl_name);
      assert.equal(/ WHERE /i.test(pg.indexdef), /\bWHERE\b/i.test(ix.sql!), `index ${ix.name} is partial on both or neither`);
    }
    const pgTriggers = new Set(db.prepare(`SELECT DISTINCT trigger_name FROM information_schema.triggers`).pluck().all());
    for (const tr of lite.objects.filter((o) => o.type === 'trigger')) assert.ok(pgTriggers.has(tr.name), `trigger ${tr.name} exists on PostgreSQL`);
  });

  it('the plpgsql triggers do what the SQLite ones do (embedding generations, folder digests)', (t) => {
    const db = openPg(freshPgDatabase(t));
    t.after(() => void db.close());
    const rootId = db.prepare(`INSERT INTO roots (path, added_at) VALUES ('/r', 1) RETURNING id`).pluck().get();
    const file = db.prepare(`INSERT INTO files (root_id, path, kind, ext, size, mtime_ms, ino, dev, first_seen, last_seen, dir) VALUES (?, '/r/a.jpg', 'image', 'jpg', 1, 1, '1', 1, 1, 1, '/r') RETURNING id`);
    const fileId = file.pluck().get(rootId);
    db.prepare(`INSERT INTO folder_digests (dir, digest) VALUES ('/r', 'd')`).run();
    db.prepare('UPDATE files SET last_seen = 2 WHERE id = ?').run(fileId);
    assert.equal(db.prepare('SELECT count(*) FROM folder_digests').pluck().get(), 1, 'a column the scan does not compare keeps the digest');
    db.prepare('UPDATE files SET size = 2 WHERE id = ?').run(fileId);
    assert.equal(db.prepare('SELECT count(*) FROM folder_digests').pluck().get(), 0, 'a size change drops it');
    db.prepare(`INSERT INTO clip_models (id, name, dir, dim, first_used, last_used) VALUES ('m', 'm', '/m', 2, 1, 1)`).run();
    db.prepare(`INSERT INTO embeddings (file_id, model_id, vector, created_at) VALUES (?, 'm', ?, 1)`).run(fileId, Buffer.alloc(8));
    db.prepare(`UPDATE embeddings SET created_at = 2`).run();
    db.prepare(`DELETE FROM embeddings`).run();
    assert.equal(db.prepare(`SELECT generation FROM clip_models WHERE id = 'm'`).pluck().get(), 3);
  });

  it('a catalog of a newer schema is refused with the SQLite message, exit 2, and left untouched', (t) => {
    const url = freshPgDatabase(t);
    const db = openPg(url);
    db.prepare('UPDATE schema_version SET version = ?').run(migrations.length + 1);
    db.close();
    const expected = `catalog ${url} was written by a newer indexer (schema ${migrations.length + 1}, this one knows ${migrations.length}); upgrade indexer`;
    assert.throws(() => openPg(url), (e: unknown) => e instanceof UserError && e.code === 2 && e.message === expected);
    assert.throws(() => openCatalog(url, { readonly: true }), (e: unknown) => e instanceof UserError && e.message === expected);
    // The same words as SQLite, the catalog named the same way.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'newer-')), 'c.db');
    openCatalog(file).close();
    const lite = new Database(file);
    lite.pragma(`user_version = ${migrations.length + 1}`);
    lite.close();
    assert.throws(() => openCatalog(file), (e: unknown) => e instanceof UserError && e.message === expected.replace(url, file));
  });

  it('a read-only open of an empty database says there is no catalog and creates nothing', (t) => {
    const url = freshPgDatabase(t);
    assert.throws(() => openCatalog(url, { readonly: true }), (e: unknown) => e instanceof UserError && e.code === 2 && e.message === `no catalog at ${url}: run 'indexer scan ROOT' first`);
    const db = openPg(url);
    db.close();
    const reader = openCatalog(url, { readonly: true }) as unknown as Db;
    t.after(() => void reader.close());
    assert.throws(() => reader.prepare(`INSERT INTO roots (path, added_at) VALUES ('/x', 1)`).run(), /read-only transaction/);
  });

  it('four processes opening one fresh catalog at once migrate it once, all succeeding', { timeout: 60_000 }, async (t) => {
    const url = freshPgDatabase(t);
    const code = `import('${path.join(repoRoot, 'dist/src/catalog/open.js')}').then((m) => m.openCatalog(process.argv[1]).close())`;
    const results = await Promise.all(
      [1, 2, 3, 4].map(
        () =>
          new Promise<{ code: number | null; err: string }>((resolve) => {
            const child = spawn(process.execPath, ['-e', code, url], { stdio: ['ignore', 'ignore', 'pipe'] });
            let err = '';
            child.stderr.on('data', (d) => (err += d));
            child.on('exit', (c) => resolve({ code: c, err }));
          }),
      ),
    );
    for (const r of results) assert.equal(r.code, 0, r.err);
    const db = openPg(url);
    t.after(() => void db.close());
    assert.deepEqual(db.prepare('SELECT version FROM schema_version').pluck().all(), [migrations.length]);
  });
});
