import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTasks, recoverDeadOwners } from '../../src/tasks/plan.js';
import { cancelPending, rearmFailed, TaskStore } from '../../src/catalog/tasks.js';
import { backoffDelay } from '../../src/tasks/backoff.js';
import { addFile, addRoot, claimAt, fakeStage, FakeClock, lease, taskRow } from '../tasks/helpers.js';
import type { Db } from '../../src/catalog/sql.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend((backend) => {
  function setup(db: Db, n: number, stages = [fakeStage('one')]) {
    const clock = new FakeClock();
    const root = addRoot(db, '/r');
    const ids = Array.from({ length: n }, (_, i) => addFile(db, root, { path: `/r/${String(i).padStart(3, '0')}.jpg` }));
    planTasks(db, stages, { now: clock.now(), priority: null });
    return { db, clock, ids, store: new TaskStore(db) };
  }

  test('backoff grows exponentially, is capped, and jitters within [0.5, 1.5) of the step', (tc) => {
    const policy = { baseMs: 1000, capMs: 10_000 };
    assert.equal(backoffDelay(1, () => 0.5, policy), 1000);
    assert.equal(backoffDelay(2, () => 0.5, policy), 2000);
    assert.equal(backoffDelay(3, () => 0.5, policy), 4000);
    assert.equal(backoffDelay(20, () => 0.5, policy), 10_000);
    assert.equal(backoffDelay(3, () => 0, policy), 2000);
    assert.ok(backoffDelay(3, () => 0.999, policy) < 6000);
  });

  test('attempts are counted at claim; a failure with attempts left waits out its backoff, then runs again', (tc) => {
    const { clock, store, ids } = setup(backend.open(tc), 1);
    const [t] = claimAt(store, clock, ['one'], 5);
    assert.equal(t!.attempts, 1);
    assert.ok(store.retryLater(t!.id, 1, 'boom', clock.now() + backoffDelay(1, () => 0.5), clock.now()));
    assert.equal(claimAt(store, clock, ['one'], 5).length, 0);
    assert.equal(store.nextRunAfter(['one'], clock.now()), clock.now() + 1000);
    clock.advance(999);
    assert.equal(claimAt(store, clock, ['one'], 5).length, 0);
    clock.advance(1);
    const [again] = claimAt(store, clock, ['one'], 5);
    assert.equal(again!.fileId, ids[0]);
    assert.equal(again!.attempts, 2);
  });

  test('claims go by priority, then age; transitions are guarded by the lease', (tc) => {
    const { db, clock, store, ids } = setup(backend.open(tc), 3);
    db.prepare(`UPDATE tasks SET priority = 0 WHERE file_id = ?`).run(ids[2]);
    const got = claimAt(store, clock, ['one'], 3);
    assert.deepEqual(
      got.map((t) => t.fileId),
      [ids[2], ids[0], ids[1]],
    );
    assert.equal(store.end(got[0]!.id, 99, 'done', clock.now()), false, 'another run cannot finish our task');
    assert.equal(store.end(got[0]!.id, 1, 'done', clock.now()), true);
    assert.equal(store.end(got[0]!.id, 1, 'done', clock.now()), false, 'a task is finished once');
  });

  test("a lane's claim puts each file's tasks side by side (its small tasks then share one read of the file)", (tc) => {
    // Tasks are planned stage by stage, so ids run a, a, a, b, b, b: a claim in id order would split every file.
    const { clock, store, ids } = setup(backend.open(tc), 3, [fakeStage('a'), fakeStage('b')]);
    const got = claimAt(store, clock, ['a', 'b'], 4);
    assert.deepEqual(
      got.map((t) => `${t.fileId}:${t.stage}`),
      [`${ids[0]}:a`, `${ids[0]}:b`, `${ids[1]}:a`, `${ids[1]}:b`],
    );
  });

  test('recovery returns the tasks of a dead owner to pending as suspects, keeps a live owner with a valid lease', (tc) => {
    const { db, clock, store } = setup(backend.open(tc), 4);
    store.claim({ runId: 1, pid: 111, leaseMs: 60_000, stages: ['one'], limit: 2, now: clock.now(), suspect: false });
    store.claim({ runId: 2, pid: 222, leaseMs: 60_000, stages: ['one'], limit: 2, now: clock.now(), suspect: false });
    const alive = (pid: number) => pid === 222;
    const r = recoverDeadOwners(db, store, { now: clock.now(), currentRunId: 3, pid: 333, isAlive: alive });
    assert.deepEqual(r, { recovered: 2, quarantined: 0 });
    const states = db.prepare(`SELECT lease_run AS run, state, suspect FROM tasks ORDER BY id`).all();
    assert.deepEqual(states, [
      { run: null, state: 'pending', suspect: 1 },
      { run: null, state: 'pending', suspect: 1 },
      { run: 2, state: 'running', suspect: 0 },
      { run: 2, state: 'running', suspect: 0 },
    ]);
    // The heartbeat keeps the live owner's lease fresh; once it stops, the expired lease is recovered.
    clock.advance(50_000);
    store.heartbeat(2, clock.now() + 60_000);
    clock.advance(50_000);
    assert.equal(recoverDeadOwners(db, store, { now: clock.now(), currentRunId: 3, pid: 333, isAlive: alive }).recovered, 0);
    clock.advance(10_001);
    assert.equal(recoverDeadOwners(db, store, { now: clock.now(), currentRunId: 3, pid: 333, isAlive: alive }).recovered, 2);
  });

  test('a dead owner never charges its tasks, even one that ran alone: it may have been killed from outside', (tc) => {
    const { db, clock, store, ids } = setup(backend.open(tc), 1, [fakeStage('one', { maxAttempts: 3 })]);
    const dead = () => false;
    for (let i = 1; i <= 4; i++) {
      const [t] = store.claim({ runId: i, pid: 1000 + i, leaseMs: 60_000, stages: ['one'], limit: 1, now: clock.now(), suspect: i > 1 });
      assert.equal(t!.attempts, 1, 'each claim starts from the attempt given back');
      assert.deepEqual(recoverDeadOwners(db, store, { now: clock.now(), currentRunId: null, pid: 1, isAlive: dead }), { recovered: 1, quarantined: 0 });
    }
    const row = taskRow(db, ids[0]!, 'one');
    assert.deepEqual([row.state, row.attempts, row.suspect], ['pending', 0, 1], 'a suspect: the next run runs it alone, isolated');
    // Its own crash in isolation is what counts (runner); a failed task is re-armed by retry.
    const [t] = store.claim({ ...lease, stages: ['one'], limit: 1, now: clock.now(), suspect: true });
    assert.ok(store.retryLater(t!.id, lease.runId, 'crashed', clock.now(), clock.now(), true));
    assert.equal(taskRow(db, ids[0]!, 'one').suspect, 1, 'a crash keeps it a suspect');
    const [again] = store.claim({ ...lease, stages: ['one'], limit: 1, now: clock.now(), suspect: true });
    assert.ok(store.end(again!.id, lease.runId, 'failed', clock.now(), 'the process died while running this task 2 times'));
    assert.equal(rearmFailed(db, { now: clock.now() }), 1);
    assert.equal(taskRow(db, ids[0]!, 'one').attempts, 0);
    assert.equal(claimAt(store, clock, ['one'], 1).length, 1);
  });

  test('released work gets its attempt back (interrupt), and its lease is cleared', (tc) => {
    const { db, clock, store, ids } = setup(backend.open(tc), 1);
    const [t] = claimAt(store, clock, ['one'], 1);
    assert.ok(store.release(t!.id, 1, clock.now(), true));
    const row = taskRow(db, ids[0]!, 'one');
    assert.equal(row.state, 'pending');
    assert.equal(row.attempts, 0);
    assert.equal(row.lease_run, null);
  });

  test('dependencies live in the table: a task waits until its dependency is done or skipped', (tc) => {
    const stages = [fakeStage('first'), fakeStage('second', { dependsOn: ['first'] })];
    const { db, clock, store, ids } = setup(backend.open(tc), 2, stages);
    assert.equal((db.prepare('SELECT count(*) n FROM task_deps').get() as { n: number }).n, 2);
    assert.equal(claimAt(store, clock, ['second'], 5).length, 0);
    const firsts = claimAt(store, clock, ['first'], 5);
    store.end(firsts[0]!.id, 1, 'done', clock.now());
    store.end(firsts[1]!.id, 1, 'failed', clock.now(), 'broken');
    const seconds = claimAt(store, clock, ['second'], 5);
    assert.deepEqual(
      seconds.map((t) => t.fileId),
      [ids[0]],
      'only the file whose dependency finished',
    );
  });

  test('cancel applies to pending tasks, by stage and by path prefix, and retry --canceled brings them back', (tc) => {
    const db = backend.open(tc);
    const clock = new FakeClock();
    const root = addRoot(db, '/r');
    const a = addFile(db, root, { path: '/r/2009/a.jpg' });
    const b = addFile(db, root, { path: '/r/2009x/b.jpg' });
    const c = addFile(db, root, { path: '/r/c.jpg' });
    planTasks(db, [fakeStage('one'), fakeStage('two')], { now: clock.now(), priority: null });
    assert.equal(cancelPending(db, { paths: ['/r/2009'], now: clock.now() }), 2, 'both stages of a, not the sibling 2009x');
    assert.equal(taskRow(db, b, 'one').state, 'pending');
    assert.equal(cancelPending(db, { stage: 'two', paths: [], now: clock.now() }), 2);
    assert.equal(taskRow(db, c, 'one').state, 'pending');
    assert.equal(taskRow(db, c, 'two').state, 'canceled');
    assert.equal(taskRow(db, a, 'one').reason, 'canceled by the user');
    assert.equal(rearmFailed(db, { now: clock.now() }), 0);
    assert.equal(rearmFailed(db, { stage: 'one', canceled: true, now: clock.now() }), 1);
  });

  test('a crash with several tasks in flight proves nothing: their attempts are given back and they become suspects', (tc) => {
    const { db, clock, store } = setup(backend.open(tc), 3, [fakeStage('one', { maxAttempts: 1 })]);
    const dead = () => false;
    store.claim({ runId: 1, pid: 1001, leaseMs: 60_000, stages: ['one'], limit: 3, now: clock.now(), suspect: false });
    assert.deepEqual(recoverDeadOwners(db, store, { now: clock.now(), currentRunId: null, pid: 1, isAlive: dead }), { recovered: 3, quarantined: 0 });
    assert.deepEqual(db.prepare(`SELECT attempts, suspect, state FROM tasks`).all(), Array(3).fill({ attempts: 0, suspect: 1, state: 'pending' }));
  });
});
