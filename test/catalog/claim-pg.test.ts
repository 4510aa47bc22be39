/** Claims on PostgreSQL, where many workers claim at once: a task another connection holds locked is skipped, not waited for. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openCatalog } from '../../src/catalog/open.js';
import { TaskStore } from '../../src/catalog/tasks.js';
import { planTasks } from '../../src/tasks/plan.js';
import { PG_SKIP, freshPgDatabase } from '../helpers/pg.js';
import { addFile, addRoot, fakeStage, FakeClock } from '../tasks/helpers.js';

describe('postgres claims', { skip: PG_SKIP }, () => {
  test('a claim skips the tasks another connection holds locked (SKIP LOCKED) and takes the next ones', (t) => {
    const url = freshPgDatabase(t);
    const a = openCatalog(url);
    const b = openCatalog(url);
    t.after(() => {
      a.close();
      b.close();
    });
    const clock = new FakeClock();
    const root = addRoot(a, '/r');
    const ids = Array.from({ length: 4 }, (_, i) => addFile(a, root, { path: `/r/${i}.jpg` }));
    planTasks(a, [fakeStage('one')], { now: clock.now(), priority: null });
    a.exec('BEGIN');
    a.prepare('SELECT id FROM tasks WHERE file_id = ? FOR UPDATE').all(ids[0]);
    const got = new TaskStore(b).claim({ runId: 7, pid: 70, leaseMs: 60_000, stages: ['one'], limit: 2, now: clock.now(), suspect: false });
    a.exec('ROLLBACK');
    assert.deepEqual(got.map((task) => task.fileId), [ids[1], ids[2]], 'the locked first task is skipped, the next two taken in order');
    assert.deepEqual(got.map((task) => task.attempts), [1, 1]);
    const again = new TaskStore(a).claim({ runId: 8, pid: 80, leaseMs: 60_000, stages: ['one'], limit: 5, now: clock.now(), suspect: false });
    assert.deepEqual(again.map((task) => task.fileId), [ids[0], ids[3]], 'once let go, the skipped task is claimable; taken ones are not');
  });

  test('a lane claim over several stages keeps the best `limit` and gives the rest back with their attempt', (t) => {
    const url = freshPgDatabase(t);
    const db = openCatalog(url);
    t.after(() => db.close());
    const clock = new FakeClock();
    const root = addRoot(db, '/r');
    const ids = Array.from({ length: 3 }, (_, i) => addFile(db, root, { path: `/r/${i}.jpg` }));
    planTasks(db, [fakeStage('a'), fakeStage('b')], { now: clock.now(), priority: null });
    const store = new TaskStore(db);
    const got = store.claim({ runId: 1, pid: 10, leaseMs: 60_000, stages: ['a', 'b'], limit: 4, now: clock.now(), suspect: false });
    assert.deepEqual(got.map((task) => `${task.fileId}:${task.stage}`), [`${ids[0]}:a`, `${ids[0]}:b`, `${ids[1]}:a`, `${ids[1]}:b`]);
    const rest = db.prepare(`SELECT stage, state, attempts, lease_run FROM tasks WHERE file_id = ? ORDER BY stage`).all(ids[2]);
    assert.deepEqual(rest, [
      { stage: 'a', state: 'pending', attempts: 0, lease_run: null },
      { stage: 'b', state: 'pending', attempts: 0, lease_run: null },
    ]);
  });
});
