/**
 * `indexer migrate --to FILE.db` through the real CLI: a catalog scanned with the tiny CLIP model is copied into a
 * new file with every row of every table, and reads the same through `status`, `info` and `search`; `resume` on the
 * copy finds nothing to do. Running tasks come across as pending. Refusals: a non-empty target, the source itself,
 * a newer schema, a busy source, no --to. With a PostgreSQL server (INDEXER_TEST_PG), the round trip through it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { lastJson, repoRoot, sandbox, writeLock, type Sandbox } from './helpers.js';
import { tinyModel } from '../clip-helpers.js';
import { catalogRows, tableNames } from './catalog-rows.js';
import { PG_SKIP, freshPgDatabase } from '../helpers/pg.js';

const photos = path.join(repoRoot, 'fixtures/photos');
let box: Sandbox;
let env: NodeJS.ProcessEnv;

before(async () => {
  box = sandbox('indexer-migrate-');
  env = { XDG_DATA_HOME: path.join(box.dir, 'xdg-data') };
  const scan = await box.run(['scan', photos, '--model', tinyModel, '--device', 'cpu', '-q'], { env, timeoutMs: 120_000 });
  assert.equal(scan.code, 0, scan.stderr);
});

/** The CLI on another catalog, with the scan's cache folder and model settings. */
function on(db: string, args: string[]) {
  return box.run(['--db', db, ...args], { env });
}

/** A copy of the scanned source, to change without spoiling the other tests' source. */
function sourceCopy(name: string): string {
  const file = path.join(box.dir, `${name}.db`);
  // VACUUM INTO writes a whole copy at once, with what the WAL holds.
  const db = new Database(box.db, { readonly: true });
  db.prepare('VACUUM INTO ?').run(file);
  db.close();
  return file;
}

test('migrate --to a new file copies every row of every table; status, info, search read the same; resume has nothing to do', async () => {
  const target = path.join(box.dir, 'copy', 'catalog.db');
  const migrate = await box.run(['--json', 'migrate', '--to', target], { env });
  assert.equal(migrate.code, 0, migrate.stderr);
  const report = lastJson(migrate.stdout) as { tables: Record<string, number>; rows: number; handedBack: number };

  const source = catalogRows(box.db);
  const copy = catalogRows(target);
  assert.deepEqual(Object.keys(report.tables).sort(), tableNames(box.db), 'every table of the schema is copied');
  for (const table of tableNames(box.db)) {
    assert.deepEqual(copy[table], source[table], `rows of ${table}`);
    assert.equal(report.tables[table], source[table]!.length, `count of ${table}`);
  }
  assert.ok(source.embeddings!.length > 0 && source.tasks!.length > 0 && source.folder_digests!.length > 0, 'the source has results');
  assert.equal(report.handedBack, 0);

  const status = await Promise.all([box.db, target].map((db) => on(db, ['status'])));
  assert.equal(status[1]!.stdout.replace(target, 'CATALOG'), status[0]!.stdout.replace(box.db, 'CATALOG'));
  const info = await Promise.all([box.db, target].map((db) => on(db, ['info', path.join(photos, 'forest.jpg')])));
  assert.equal(info[0]!.code, 0, info[0]!.stderr);
  assert.equal(info[1]!.stdout, info[0]!.stdout);
  const search = await Promise.all([box.db, target].map((db) => on(db, ['search', 'green forest'])));
  assert.equal(search[0]!.code, 0, search[0]!.stderr);
  assert.match(search[0]!.stdout, /forest\.jpg/);
  assert.equal(search[1]!.stdout, search[0]!.stdout);

  const resume = await on(target, ['--json', 'resume']);
  assert.equal(resume.code, 0, resume.stderr);
  const extract = lastJson(resume.stdout).extract as { planned: number; done: number; pending: number; recovered: number };
  assert.deepEqual([extract.planned, extract.done, extract.pending, extract.recovered], [0, 0, 0, 0]);
});

test('tasks running in the source are copied as pending with their lease cleared, and their run as crashed', async () => {
  const source = sourceCopy('running');
  const db = new Database(source);
  db.exec(`UPDATE runs SET outcome = 'running', ended_at = NULL`);
  db.exec(`UPDATE tasks SET state = 'running', attempts = 1, lease_run = 1, lease_pid = 4000000, lease_expires = 1
           WHERE id IN (SELECT id FROM tasks WHERE stage = 'clip' ORDER BY id LIMIT 2)`);
  db.close();
  const target = path.join(box.dir, 'running-copy.db');
  const migrate = await on(source, ['--json', 'migrate', '--to', target]);
  assert.equal(migrate.code, 0, migrate.stderr);
  assert.equal(lastJson(migrate.stdout).handedBack, 2);

  const copy = new Database(target, { readonly: true });
  const tasks = copy.prepare(`SELECT state, attempts, lease_run, lease_pid, lease_expires FROM tasks WHERE stage = 'clip' ORDER BY id LIMIT 2`).all();
  assert.deepEqual(tasks, Array(2).fill({ state: 'pending', attempts: 0, lease_run: null, lease_pid: null, lease_expires: null }));
  assert.equal(copy.prepare(`SELECT count(*) FROM tasks WHERE state = 'running'`).pluck().get(), 0);
  assert.equal(copy.prepare(`SELECT outcome FROM runs`).pluck().get(), 'crashed');
  copy.close();
  // The source is only read.
  assert.equal(new Database(source, { readonly: true }).prepare(`SELECT count(*) FROM tasks WHERE state = 'running'`).pluck().get(), 2);

  const resume = await on(target, ['--json', 'resume']);
  assert.equal(resume.code, 0, resume.stderr);
  assert.equal((lastJson(resume.stdout).extract as { done: number }).done, 2, 'the copy runs the handed-back tasks');
});

test('migrate refuses a target that holds rows, and leaves it as it was', async () => {
  const target = path.join(box.dir, 'full.db');
  assert.equal((await box.run(['migrate', '--to', target], { env })).code, 0);
  const before = catalogRows(target);
  const again = await box.run(['migrate', '--to', target], { env });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /^indexer: cannot migrate into .*full\.db: the target is not empty \(table \w+ has rows\)\n$/);
  assert.deepEqual(catalogRows(target), before);
});

test('migrate refuses the source itself as target, under its own name or a link to it', async () => {
  const link = path.join(box.dir, 'link.db');
  fs.symlinkSync(box.db, link);
  for (const to of [box.db, link]) {
    const r = await box.run(['migrate', '--to', to], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^indexer: --to .* is the source catalog itself/);
  }
  assert.equal(fs.existsSync(box.db + '.lock'), false);
});

test('migrate refuses a source written by a newer indexer and creates no target', async () => {
  const source = sourceCopy('newer');
  const db = new Database(source);
  db.pragma('user_version = 999');
  db.close();
  const target = path.join(box.dir, 'from-newer.db');
  const r = await on(source, ['migrate', '--to', target]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^indexer: catalog .*newer\.db was written by a newer indexer \(schema 999/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(fs.existsSync(target), false);
});

test('migrate refuses a source another indexer is writing (exit 75) and creates no target', async () => {
  const source = sourceCopy('busy');
  writeLock(source, process.pid);
  const target = path.join(box.dir, 'from-busy.db');
  const r = await on(source, ['migrate', '--to', target]);
  assert.equal(r.code, 75);
  assert.match(r.stderr, new RegExp(`^indexer: another indexer \\(pid ${process.pid}\\) is using .*busy\\.db; add --wait`));
  assert.equal(fs.existsSync(target), false);
});

test('migrate without --to, or with an empty one, is a usage error', async () => {
  const none = await box.run(['migrate'], { env });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--to/);
  const empty = await box.run(['migrate', '--to', ''], { env });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /^indexer: --to: give a postgres:\/\/ URL or a catalog file path\n$/);
});

test('round trip SQLite -> PostgreSQL -> SQLite: every row comes back equal, and search answers the same on all three', { skip: PG_SKIP }, async (t) => {
  const url = freshPgDatabase(t);
  const there = await box.run(['--json', 'migrate', '--to', url], { env });
  assert.equal(there.code, 0, there.stderr);
  const report = lastJson(there.stdout) as { tables: Record<string, number>; target: string };
  assert.deepEqual(Object.keys(report.tables).sort(), tableNames(box.db));
  assert.doesNotMatch(there.stdout, /password/);

  const back = path.join(box.dir, 'round-trip.db');
  const home = await on(url, ['--json', 'migrate', '--to', back]);
  assert.equal(home.code, 0, home.stderr);
  assert.deepEqual(lastJson(home.stdout).tables, report.tables, 'the same counts both ways');
  const source = catalogRows(box.db);
  const copy = catalogRows(back);
  for (const table of tableNames(box.db)) assert.deepEqual(copy[table], source[table], `rows of ${table}`);

  const search = await Promise.all([box.db, url, back].map((db) => on(db, ['search', 'green forest'])));
  for (const r of search) assert.equal(r.code, 0, r.stderr);
  assert.match(search[0]!.stdout, /forest\.jpg/);
  assert.equal(search[1]!.stdout, search[0]!.stdout, 'search on PostgreSQL');
  assert.equal(search[2]!.stdout, search[0]!.stdout, 'search on the copy back');

  // A PostgreSQL catalog that holds rows is refused like a file.
  const again = await box.run(['migrate', '--to', url], { env });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /the target is not empty/);
});
