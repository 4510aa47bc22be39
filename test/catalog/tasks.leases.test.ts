/**
 * catalog/tasks.ts, the lease side: what a run that stops, or a process that died, leaves behind. What a user
 * notices: an interrupted or failing run hands its tasks back with their attempts, a dead process's tasks come back
 * as suspects (run alone next time) without charging an attempt, and `status` counts what is left per stage.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { planTasks } from '../../src/tasks/plan.js';
import { TaskStore } from '../../src/catalog/tasks.js';
import { startRun } from '../../src/catalog/runs.js';
import { addFile, addRoot, fakeStage, FakeClock, taskRow } from '../tasks/helpers.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend((backend) => {
  it("a run hands back what it holds; a dead owner's tasks return as suspects with their attempt; pending is counted per stage", (t) => {
    const db = backend.open(t);
    const clock = new FakeClock();
    const root = addRoot(db, '/r');
    for (let i = 0; i < 4; i++) addFile(db, root, { path: `/r/${i}.jpg` });
    planTasks(db, [fakeStage('thumb'), fakeStage('exif')], { now: clock.now(), priority: null });
    const store = new TaskStore(db);
    assert.deepEqual(store.pendingByStage(['thumb', 'exif', 'clip']), { exif: 4, thumb: 4 });
    assert.deepEqual(store.pendingByStage([]), {});

    const alive = startRun(db, { command: 'scan', pid: 100, stages: ['thumb'], now: clock.now(), host: 'here' });
    const dead = startRun(db, { command: 'worker', pid: 200, stages: ['exif'], now: clock.now(), host: 'there' });
    const mine = store.claim({ runId: alive, pid: 100, leaseMs: 1000, stages: ['thumb'], limit: 2, now: clock.now(), suspect: false });
    clock.advance(10);
    const theirs = store.claim({ runId: dead, pid: 200, leaseMs: 5000, stages: ['exif'], limit: 3, now: clock.now(), suspect: false });
    const owners = store.leaseOwners().sort((a, b) => a.runId - b.runId);
    assert.deepEqual(owners, [
      { runId: alive, pid: 100, host: 'here', expires: clock.now() - 10 + 1000 },
      { runId: dead, pid: 200, host: 'there', expires: clock.now() + 5000 },
    ]);
    assert.deepEqual(store.pendingByStage(['thumb', 'exif']), { exif: 1, thumb: 2 });

    clock.advance(10);
    assert.deepEqual(store.recoverOwner({ runId: dead, pid: 200 }, clock.now()), { recovered: 3, quarantined: 0 });
    assert.deepEqual(store.recoverOwner({ runId: dead, pid: 200 }, clock.now()), { recovered: 0, quarantined: 0 });
    for (const task of theirs) {
      const row = taskRow(db, task.fileId, 'exif');
      assert.deepEqual([row.state, row.suspect, row.attempts, row.lease_run, row.last_error],
        ['pending', 1, 0, null, 'the process died while running this task']);
    }
    assert.equal(store.releaseRun(alive, clock.now()), 2);
    assert.equal(store.releaseRun(alive, clock.now()), 0);
    for (const task of mine) {
      const row = taskRow(db, task.fileId, 'thumb');
      assert.deepEqual([row.state, row.suspect, row.attempts, row.lease_run, row.updated_at], ['pending', 0, 0, null, clock.now()]);
    }
    assert.deepEqual(store.leaseOwners(), []);
    assert.deepEqual(store.pendingByStage(['thumb', 'exif']), { exif: 4, thumb: 4 });
  });
});
