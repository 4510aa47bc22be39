/**
 * `indexer worker` on PostgreSQL meeting other processes, with real processes: a worker must not give up on tasks it
 * met locked by someone else's claim or planning (SKIP LOCKED passes them by, yet they are nobody's); a worker that
 * waits for the tasks another run holds must exit when that run ends, not at its next slow poll; and planners take
 * turns (an advisory lock held to commit: concurrent planners of different stages could deadlock otherwise).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openCatalog } from '../../src/catalog/open.js';
import { endRun, startRun } from '../../src/catalog/runs.js';
import { PgDb } from '../../src/catalog/pg/pg-db.js';
import { PLAN_LOCK_KEY } from '../../src/catalog/pg/lock-keys.js';
import { PG_SKIP, freshPgDatabase } from '../helpers/pg.js';
import { collect, lastJson, runCli, startCli } from './helpers.js';
import { makeLibrary, waitUntil } from './worker-helpers.js';

const FILES = 6;

function count(url: string, sql: string): number {
  const db = new PgDb(url);
  try {
    return Number(db.prepare(sql).pluck().get());
  } finally {
    db.close();
  }
}

/** A catalog of FILES photos whose thumbnail tasks are planned, one of them done (a first worker with --max-tasks 1). */
async function plannedBacklog(t: TestContext): Promise<{ url: string; g: string[] }> {
  const url = freshPgDatabase(t);
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'indexer-worker-pg-wait-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'photos');
  await makeLibrary(root, FILES, 160);
  const g = ['--db', url, '--cache-dir', path.join(dir, 'cache')];
  const scan = await runCli([...g, 'scan', '--no-extract', root]);
  assert.equal(scan.code, 0, scan.stderr);
  const first = await runCli([...g, '--json', 'worker', '--stages', 'thumbnail', '--max-tasks', '1']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(count(url, `SELECT count(*) FROM tasks WHERE stage = 'thumbnail' AND state = 'pending'`), FILES - 1);
  return { url, g };
}

/** Runs of `indexer worker` that have ended (each round of a worker is a run). */
const endedRuns = (url: string) => count(url, `SELECT count(*) FROM runs WHERE ended_at IS NOT NULL`);

test('PostgreSQL: a worker that meets the pending tasks locked by another claim or planning comes back for them', { skip: PG_SKIP, timeout: 120_000 }, async (t) => {
  const { url, g } = await plannedBacklog(t);
  // Another process's transaction holds the pending rows, as a claim or a long planning does while it runs.
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  let exited = false;
  let r;
  try {
    await holder.query('BEGIN');
    await holder.query(`SELECT id FROM tasks WHERE state = 'pending' FOR UPDATE`);
    const worker = startCli([...g, '--json', 'worker', '--stages', 'thumbnail', '--threads', '1']);
    const result = collect(worker, 100_000);
    worker.once('close', () => (exited = true));
    // Its first round ends with nothing claimed (the rows are skipped, not waited for); give it time to decide.
    assert.ok(await waitUntil(() => endedRuns(url) >= 2, 60_000), 'the worker ran a round');
    await new Promise((res) => setTimeout(res, 1_500));
    await holder.query('COMMIT');
    r = await result;
  } finally {
    // Before the test's database is dropped under it.
    await holder.end();
  }
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lastJson(r.stdout).extract.done, FILES - 1, `the worker did the tasks once they were free (exited early: ${exited})`);
  assert.equal(count(url, `SELECT count(*) FROM tasks WHERE stage = 'thumbnail' AND state = 'done'`), FILES);
});

test('PostgreSQL: a worker waiting for the tasks another run holds exits as soon as that run ends', { skip: PG_SKIP, timeout: 120_000 }, async (t) => {
  const { url, g } = await plannedBacklog(t);
  // Another worker of this host, alive (this test's pid), holds every pending task under a long lease.
  const db = openCatalog(url);
  t.after(() => db.close());
  const now = Date.now();
  const runId = startRun(db, { command: 'worker', pid: process.pid, stages: ['thumbnail'], now });
  db.prepare(`UPDATE tasks SET state = 'running', lease_run = ?, lease_pid = ?, lease_expires = ? WHERE state = 'pending'`).run(runId, process.pid, now + 60_000);
  const worker = startCli([...g, '--json', 'worker', '--stages', 'thumbnail', '--threads', '1']);
  const result = collect(worker, 100_000);
  let exitedAt = 0;
  worker.once('close', () => (exitedAt = Date.now()));
  assert.ok(await waitUntil(() => endedRuns(url) >= 2, 60_000), 'the worker ran a round');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(exitedAt, 0, 'the worker waits while another run holds tasks');
  // The other run finishes its tasks and ends.
  db.prepare(`UPDATE tasks SET state = 'done', lease_run = NULL, lease_pid = NULL, lease_expires = NULL WHERE state = 'running'`).run();
  const ended = Date.now();
  endRun(db, runId, { outcome: 'complete', note: null, now: ended });
  const r = await result;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lastJson(r.stdout).extract.done, 0);
  // Its slow poll is 10 s: well under it means the run's end woke it.
  assert.ok(exitedAt - ended < 5_000, `exited ${exitedAt - ended} ms after the other run ended`);
});

test('PostgreSQL: a worker plans only once the planner before it has committed (planning takes turns)', { skip: PG_SKIP, timeout: 120_000 }, async (t) => {
  const url = freshPgDatabase(t);
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'indexer-worker-pg-plan-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'photos');
  await makeLibrary(root, 3, 120);
  const g = ['--db', url, '--cache-dir', path.join(dir, 'cache')];
  assert.equal((await runCli([...g, 'scan', '--no-extract', root])).code, 0);
  // Another planner (a scan, a worker elsewhere) is inside its planning transaction.
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  let r;
  try {
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock($1)', [PLAN_LOCK_KEY]);
    const worker = startCli([...g, '--json', 'worker', '--stages', 'thumbnail']);
    const result = collect(worker, 100_000);
    const waiting = () => count(url, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`) > 0;
    assert.ok(await waitUntil(waiting, 60_000), 'the worker waits for the planning lock');
    assert.equal(count(url, `SELECT count(*) FROM tasks`), 0, 'and has planned nothing meanwhile');
    await other.query('COMMIT');
    r = await result;
  } finally {
    await other.end();
  }
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lastJson(r.stdout).extract.done, 3);
});
