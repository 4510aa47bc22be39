/**
 * tasks/commit.ts with a batch of outcomes, on both backends: a batch of done outcomes ends with one statement (and on
 * PostgreSQL travels in a couple of round trips), yet each task's lease still guards it and a stage commit that
 * throws still fails its task alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskStore, type ClaimedTask } from '../../src/catalog/tasks.js';
import { startRun } from '../../src/catalog/runs.js';
import { planTasks } from '../../src/tasks/plan.js';
import { commitSettled, type Settled } from '../../src/tasks/commit.js';
import type { Db } from '../../src/catalog/sql.js';
import { addFile, addRoot, commitContext, fakeStage, FakeClock } from './helpers.js';
import { forEachBackend } from '../helpers/backends.js';

function setup(db: Db, n: number) {
  const clock = new FakeClock();
  db.exec(`CREATE TABLE outputs (file_id INTEGER NOT NULL, value TEXT NOT NULL)`);
  const root = addRoot(db, '/photos');
  for (let i = 0; i < n; i++) addFile(db, root, { path: `/photos/${i}.jpg` });
  // Its commit writes one row per result, and refuses the value 'refuse' (a result the catalog cannot take).
  const stage = fakeStage('thumb', {
    commit: (d, target, value) => {
      if (value === 'refuse') throw new Error('value too large');
      d.prepare(`INSERT INTO outputs (file_id, value) VALUES (?, ?)`).run(target.fileId, value);
    },
  });
  planTasks(db, [stage], { now: clock.now(), priority: null });
  const runId = startRun(db, { command: 'test', pid: process.pid, stages: ['thumb'], now: clock.now() });
  const store = new TaskStore(db);
  const tasks = store.claim({ runId, pid: process.pid, leaseMs: 60_000, stages: ['thumb'], limit: n, now: clock.now(), suspect: false });
  const ctx = commitContext(db, store, [stage], runId, clock.now());
  return { ctx, tasks, store, clock, runId };
}

const done = (task: ClaimedTask, value: string): Settled => ({ task, outcome: { status: 'done', value } });
const states = (db: Db) =>
  Object.fromEntries((db.prepare(`SELECT file_id AS f, state FROM tasks ORDER BY file_id`).all() as { f: number; state: string }[]).map((r) => [r.f, r.state]));
const outputs = (db: Db) => db.prepare(`SELECT file_id AS f, value FROM outputs ORDER BY file_id`).all();

forEachBackend((backend) => {
  test("a batch of done outcomes commits each result once; a task whose lease was lost gets neither 'done' nor its result", (tc) => {
    const db = backend.open(tc);
    const { ctx, tasks, store, clock } = setup(db, 4);
    const [a, b, c, d] = tasks;
    // c's lease went to another run while it ran here.
    assert.ok(store.release(c!.id, ctx.runId, clock.now(), true));
    const other = store.claim({ runId: ctx.runId + 1, pid: 1, leaseMs: 60_000, stages: ['thumb'], limit: 1, now: clock.now(), suspect: false });
    assert.equal(other[0]!.id, c!.id);
    const effects = commitSettled(ctx, [done(a!, 'A'), done(b!, 'B'), done(c!, 'C'), done(d!, 'D')]);
    assert.deepEqual(effects, { failed: [], stageFaults: [], offlineRoots: [], quarantined: 0 });
    assert.deepEqual(states(db), { [a!.fileId]: 'done', [b!.fileId]: 'done', [c!.fileId]: 'running', [d!.fileId]: 'done' });
    assert.deepEqual(outputs(db), [
      { f: a!.fileId, value: 'A' },
      { f: b!.fileId, value: 'B' },
      { f: d!.fileId, value: 'D' },
    ]);
    assert.equal(ctx.totals.done, 3);
    assert.deepEqual(ctx.perStage, { thumb: { done: 3, failed: 0, skipped: 0 } });
    const run = db.prepare(`SELECT done FROM runs WHERE id = ?`).get(ctx.runId) as { done: number };
    assert.equal(run.done, 3, "the run's counts are written with the batch");
    // The same outcomes again (a stale runner): nothing changes.
    commitSettled(ctx, [done(a!, 'A2'), done(b!, 'B2')]);
    assert.equal(outputs(db).length, 3);
    assert.equal(ctx.totals.done, 3);
  });

  test("a stage commit that throws in a batch fails its task alone: the others' results are kept, it is retried later", (tc) => {
    const db = backend.open(tc);
    const { ctx, tasks } = setup(db, 3);
    const [a, b, c] = tasks;
    const effects = commitSettled(ctx, [done(a!, 'A'), done(b!, 'refuse'), done(c!, 'C')]);
    assert.deepEqual(states(db), { [a!.fileId]: 'done', [b!.fileId]: 'pending', [c!.fileId]: 'done' });
    assert.deepEqual(outputs(db), [
      { f: a!.fileId, value: 'A' },
      { f: c!.fileId, value: 'C' },
    ]);
    const row = db.prepare(`SELECT attempts, last_error AS error, run_after AS "runAfter" FROM tasks WHERE id = ?`).get(b!.id) as { attempts: number; error: string; runAfter: number };
    assert.match(row.error, /could not save the thumb result: value too large/);
    assert.equal(row.attempts, 1, 'its attempt is charged once');
    assert.equal(row.runAfter, ctx.now + 1000, 'after its backoff');
    assert.deepEqual(effects.failed, []);
    assert.deepEqual(ctx.perStage, { thumb: { done: 2, failed: 0, skipped: 0 } });
    assert.equal(ctx.totals.done, 2, 'counted once, though the batch was tried whole first');
  });

  test('a batch of done outcomes costs the same few round trips on PostgreSQL whatever its size, and a claim one', (tc) => {
    const db = backend.open(tc);
    const traffic = (db as { traffic?: { roundTrips: number } }).traffic;
    if (!traffic) return tc.skip('SQLite has no round trips');
    const { ctx, tasks, store, clock } = setup(db, 40);
    const before = traffic.roundTrips;
    commitSettled(ctx, tasks.map((t, i) => done(t, `v${i}`)));
    assert.equal(traffic.roundTrips - before, 2, 'BEGIN with the end of all 40, then their 40 results, the run counts and COMMIT');
    assert.equal(outputs(db).length, 40);
    db.prepare(`UPDATE tasks SET state = 'pending'`).run();
    const claimed = traffic.roundTrips;
    assert.equal(store.claim({ runId: ctx.runId, pid: 1, leaseMs: 60_000, stages: ['thumb'], limit: 40, now: clock.now(), suspect: false }).length, 40);
    assert.equal(traffic.roundTrips - claimed, 1);
  });
});
