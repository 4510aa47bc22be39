/**
 * Batched transitions (issue 11: the engine on PostgreSQL ends a whole batch of outcomes with one statement and claims
 * a lane fill with one): the lease still guards every task of a batch, and concurrent claims never share a task.
 * Both backends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { TaskStore } from '../../src/catalog/tasks.js';
import { openCatalog } from '../../src/catalog/open.js';
import { planTasks } from '../../src/tasks/plan.js';
import { addFile, addRoot, claimAt, fakeStage, FakeClock, lease } from '../tasks/helpers.js';
import type { Db } from '../../src/catalog/sql.js';
import { forEachBackend } from '../helpers/backends.js';

const taskState = (db: Db, id: number) =>
  db.prepare(`SELECT state, lease_run AS "leaseRun", finished_at AS "finishedAt" FROM tasks WHERE id = ?`).get(id) as {
    state: string;
    leaseRun: number | null;
    finishedAt: number | null;
  };

/** Files /r/000.jpg ... with one planned task each of stage `one`. */
function backlog(db: Db, n: number, clock: FakeClock): void {
  const root = addRoot(db, '/r');
  for (let i = 0; i < n; i++) addFile(db, root, { path: `/r/${String(i).padStart(3, '0')}.jpg` });
  planTasks(db, [fakeStage('one')], { now: clock.now(), priority: null });
}

/**
 * A thread of its own claiming from CATALOG in batches of `limit` until nothing is left; answers the ids it got.
 * Each thread has its own connection and starts claiming when GO is raised, so the claims really run at the same time.
 */
function claimer(catalog: string, runId: number, limit: number, go: Int32Array): { ready: Promise<void>; ids: Promise<number[]> } {
  const modules = { open: new URL('../../src/catalog/open.js', import.meta.url).href, tasks: new URL('../../src/catalog/tasks.js', import.meta.url).href };
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    (async () => {
      const { openCatalog } = await import(workerData.modules.open);
      const { TaskStore } = await import(workerData.modules.tasks);
      const db = openCatalog(workerData.catalog);
      const store = new TaskStore(db);
      const go = new Int32Array(workerData.go);
      parentPort.postMessage('ready');
      Atomics.wait(go, 0, 0);
      const got = [];
      for (;;) {
        const tasks = store.claim({ runId: workerData.runId, pid: workerData.runId, leaseMs: 60000, stages: ['one'], limit: workerData.limit, now: Date.now(), suspect: false });
        if (tasks.length === 0) break;
        got.push(...tasks.map((t) => t.id));
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); // a breath between claims, as a worker dispatches: the other one's turn
      }
      db.close();
      parentPort.postMessage(got);
    })().catch((err) => { throw err; });`;
  const worker = new Worker(code, { eval: true, workerData: { catalog, runId, limit, modules, go: go.buffer } });
  const answers: ((m: unknown) => void)[] = [];
  worker.on('message', (m) => answers.shift()?.(m));
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      answers.push(resolve as (m: unknown) => void);
      worker.once('error', reject);
    });
  const ready = next<string>().then(() => undefined);
  return { ready, ids: next<number[]>() };
}

forEachBackend((backend) => {
  test('a batch end commits the tasks still ours and leaves alone one whose lease was taken over', (tc) => {
    const db = backend.open(tc);
    const clock = new FakeClock();
    backlog(db, 3, clock);
    const store = new TaskStore(db);
    const [a, b, c] = claimAt(store, clock, ['one'], 3);
    // b's lease went to run 2 (handed back, then claimed by it): run 1's batch must not finish it.
    assert.ok(store.release(b!.id, lease.runId, clock.now(), true));
    const [taken] = store.claim({ runId: 2, pid: 2, leaseMs: 60_000, stages: ['one'], limit: 5, now: clock.now(), suspect: false });
    assert.equal(taken!.id, b!.id);
    clock.advance(10);
    const ended = store.endAll([a!.id, b!.id, c!.id], lease.runId, 'done', clock.now());
    assert.deepEqual([...ended].sort((x, y) => x - y), [a!.id, c!.id]);
    assert.deepEqual(taskState(db, a!.id), { state: 'done', leaseRun: null, finishedAt: clock.now() });
    assert.deepEqual(taskState(db, c!.id), { state: 'done', leaseRun: null, finishedAt: clock.now() });
    assert.deepEqual(taskState(db, b!.id), { state: 'running', leaseRun: 2, finishedAt: null }, "run 2's task is untouched");
    assert.deepEqual(store.endAll([a!.id, c!.id], lease.runId, 'done', clock.now()), [], 'a task is finished once');
    assert.deepEqual(store.endAll([], lease.runId, 'done', clock.now()), []);
  });

  test('batched claims from two connections at once never hand one task to both', async (tc) => {
    const catalog = backend.target(tc);
    const db = openCatalog(catalog);
    tc.after(() => void db.close());
    const n = 400;
    backlog(db, n, new FakeClock());
    const go = new Int32Array(new SharedArrayBuffer(4));
    const claimers = [claimer(catalog, 1, 3, go), claimer(catalog, 2, 2, go)];
    await Promise.all(claimers.map((c) => c.ready));
    Atomics.store(go, 0, 1);
    Atomics.notify(go, 0);
    const [first, second] = await Promise.all(claimers.map((c) => c.ids));
    const all = [...first, ...second];
    assert.equal(new Set(all).size, all.length, 'no task claimed twice');
    assert.equal(all.length, n, 'every task claimed');
    assert.ok(first.length > 0 && second.length > 0, `both claimed (${first.length} + ${second.length})`);
    const rows = db.prepare(`SELECT lease_run AS run, attempts, count(*) AS n FROM tasks GROUP BY lease_run, attempts ORDER BY lease_run`).all();
    assert.deepEqual(rows, [
      { run: 1, attempts: 1, n: first.length },
      { run: 2, attempts: 1, n: second.length },
    ]);
  });
});
