/**
 * `indexer worker` on PostgreSQL, the acceptance tests of issue 11 with real processes: several workers share a
 * `scan --no-extract` backlog while one is SIGKILLed and another started; and the server itself is killed mid-run and
 * restarted on the same port. Every (file, stage) must end done exactly once: one attempt per task, as many done
 * commits counted by the runs (inside the result transactions) as tasks, one cache file per output, no temp file.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { PgDb } from '../../src/catalog/pg/pg-db.js';
import { findPgBin, startPgServer } from '../../scripts/pg-server.js';
import { PG_SKIP, freshPgDatabase } from '../helpers/pg.js';
import { tinyModel } from '../clip-helpers.js';
import { collect, lastJson, runCli, startCli } from './helpers.js';
import { listFiles, makeLibrary, waitUntil } from './worker-helpers.js';
import { crashPgServer, restartPgServer } from './pg-restart.js';

const FILES = 24;

/** A query against the catalog on a connection of its own (closed at once: the server may go away later). */
function query<T = Record<string, unknown>>(url: string, sql: string, ...params: unknown[]): T[] {
  const db = new PgDb(url);
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Like query, but false while the server cannot be reached (polling through an outage). */
function queryOr<T>(url: string, sql: string, fallback: T[]): T[] {
  try {
    return query<T>(url, sql);
  } catch {
    return fallback;
  }
}

async function library(dir: string): Promise<string> {
  const root = path.join(dir, 'photos');
  await makeLibrary(root, FILES - 2, 1600);
  // Two plain colours the tiny CLIP model tells apart, for search.
  for (const [name, background] of [['red.jpg', { r: 230, g: 20, b: 20 }], ['green.jpg', { r: 20, g: 200, b: 30 }]] as const) {
    await sharp({ create: { width: 320, height: 240, channels: 3, background } }).jpeg().toFile(path.join(root, name));
  }
  return root;
}

/** What every such test checks at the end: each task done once, outputs and cache exact, no temp file. */
function assertDoneOnce(url: string, cache: string, stages: string[]): void {
  const ours = `stage IN (${stages.map((s) => `'${s}'`).join(', ')})`;
  const states = query<{ stage: string; state: string; n: number }>(url, `SELECT stage, state, count(*) AS n FROM tasks WHERE ${ours} GROUP BY stage, state ORDER BY stage, state`);
  assert.deepEqual(states, stages.map((stage) => ({ stage, state: 'done', n: FILES })));
  // Stages brought in as dependencies (video, for clip) end too: skipped for photos, never pending or running.
  const open = query(url, `SELECT stage, state FROM tasks WHERE state NOT IN ('done', 'skipped')`);
  assert.deepEqual(open, []);
  const attempts = query<{ attempts: number; n: number }>(url, `SELECT attempts, count(*) AS n FROM tasks WHERE ${ours} GROUP BY attempts`);
  assert.deepEqual(attempts, [{ attempts: 1, n: FILES * stages.length }], 'one attempt per task');
  const [commits] = query<{ done: number }>(url, `SELECT sum(done) AS done FROM runs`);
  assert.equal(Number(commits!.done), FILES * stages.length, 'done committed once per task (run counts)');
  const thumbs = query<{ t: string; p: string }>(url, `SELECT thumb_path AS t, preview_path AS p FROM thumbnails`);
  assert.equal(thumbs.length, FILES);
  const referenced = new Set(thumbs.flatMap((r) => [r.t, r.p]));
  assert.equal(referenced.size, FILES * 2);
  const cached = listFiles(cache);
  assert.deepEqual(cached.filter((f) => f.endsWith('.tmp')), [], 'no temp file');
  const thumbFiles = cached.filter((f) => f.includes(`${path.sep}thumbs${path.sep}`) || f.includes(`${path.sep}previews${path.sep}`));
  assert.deepEqual(thumbFiles.filter((f) => !referenced.has(f)), [], 'one cache file per thumbnail and preview, no orphan');
  for (const f of referenced) assert.ok(fs.existsSync(f), f);
}

test('PostgreSQL: 3 workers share a backlog, one SIGKILLed mid-run and another started: each task done once', { skip: PG_SKIP, timeout: 300_000 }, async (t: TestContext) => {
  const url = freshPgDatabase(t);
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'indexer-worker-pg-'));
  const cache = path.join(dir, 'cache');
  const root = await library(dir);
  const g = ['--db', url, '--cache-dir', cache];
  const scan = await runCli([...g, 'scan', '--no-extract', root]);
  assert.equal(scan.code, 0, scan.stderr);
  const stages = ['clip', 'exif', 'thumbnail'];
  const work = [...g, '--json', 'worker', '--stages', 'thumbnail,exif,clip', '--model', tinyModel, '--device', 'cpu', '--threads', '1'];
  const workers = [0, 1, 2].map(() => startCli(work));
  const results = workers.map((w) => collect(w, 280_000));
  const victim = workers[1]!;
  const holds = () => queryOr<{ n: number }>(url, `SELECT count(*) AS n FROM tasks WHERE state = 'running' AND lease_pid = ${victim.pid}`, [{ n: 0 }])[0]!.n > 0;
  assert.ok(await waitUntil(holds, 120_000), 'the victim holds tasks');
  victim.kill('SIGKILL');
  const late = startCli(work);
  const outcomes = await Promise.all([...results, collect(late, 280_000)]);
  assert.equal(outcomes[1]!.signal, 'SIGKILL');
  for (const [i, r] of outcomes.entries()) if (i !== 1) assert.equal(r.code, 0, `worker ${i}: ${r.stderr}`);
  const done = outcomes.filter((_, i) => i !== 1).map((r) => lastJson(r.stdout).extract.done as number);
  assertDoneOnce(url, cache, stages);
  const runs = query<{ outcome: string; host: string | null }>(url, `SELECT outcome, host FROM runs ORDER BY id`);
  assert.ok(runs.some((r) => r.outcome === 'crashed'), `the killed worker's run is recorded as crashed: ${JSON.stringify(runs)}`);
  assert.ok(runs.every((r) => typeof r.host === 'string' && r.host.length > 0), 'each run records its host');
  console.log(`done per surviving worker: ${done.join(', ')}; runs: ${runs.map((r) => r.outcome).join(', ')}`);

  const status = await runCli([...g, 'status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  const s = lastJson(status.stdout);
  assert.equal(s.files.present, FILES, status.stdout);
  for (const stage of stages) {
    const c = s.stages[stage];
    assert.deepEqual([c.pending, c.running, c.done, c.failed], [0, 0, FILES, 0], `${stage}: ${JSON.stringify(c)}`);
  }
  assert.equal(s.lastRun.command, 'worker');
  const search = await runCli([...g, 'search', 'red', '--json', '-n', '1']);
  assert.equal(search.code, 0, search.stderr);
  assert.equal(JSON.parse(search.stdout)[0].path, path.join(root, 'red.jpg'));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('PostgreSQL: the server killed mid-run and restarted on its port: workers reconnect with backoff, nothing lost', { skip: findPgBin() ? false : 'PostgreSQL is not installed', timeout: 300_000 }, async () => {
  const server = await startPgServer();
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'indexer-worker-pgdown-'));
  try {
    const url = server.url;
    const cache = path.join(dir, 'cache');
    const root = await library(dir);
    const g = ['--db', url, '--cache-dir', cache];
    const scan = await runCli([...g, 'scan', '--no-extract', root]);
    assert.equal(scan.code, 0, scan.stderr);
    const work = [...g, '--json', 'worker', '--stages', 'thumbnail,exif', '--threads', '1'];
    const workers = [0, 1].map(() => startCli(work));
    const results = workers.map((w) => collect(w, 280_000));
    const doneCount = () => queryOr<{ n: number }>(url, `SELECT count(*) AS n FROM tasks WHERE state = 'done'`, [{ n: 0 }])[0]!.n;
    assert.ok(await waitUntil(() => doneCount() >= 4, 120_000), 'work under way before the outage');
    crashPgServer(server);
    await new Promise((r) => setTimeout(r, 4_000));
    restartPgServer(server);
    const outcomes = await Promise.all(results);
    for (const [i, r] of outcomes.entries()) {
      assert.equal(r.code, 0, `worker ${i}: ${r.stderr}`);
      assert.match(r.stderr, /lost the catalog server .*connecting again in 1s/, `worker ${i} said it lost the server`);
      assert.match(r.stderr, /the catalog server is back; going on/);
    }
    assertDoneOnce(url, cache, ['exif', 'thumbnail']);
  } finally {
    server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
