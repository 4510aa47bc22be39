/**
 * catalog/task-plan.ts: the task rows planning writes at the start of phase 2. What a user notices: every photo gets
 * its work once, a file that changed gets it again, a deleted file's waiting work is dropped (and comes back with the
 * file), a stage waits for the stage it depends on per file, and `scan ROOT --priority high` jumps the queue.
 */
import { it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { cancelTasksOfDeletedFiles, planDependency, planStage, presentKinds, prioritizeRoots, type StagePlan } from '../../src/catalog/task-plan.js';
import { TaskStore } from '../../src/catalog/tasks.js';
import { addFile, addRoot, claimAt, FakeClock, taskRow, updateFile } from '../tasks/helpers.js';
import { forEachBackend, type Backend } from '../helpers/backends.js';

function plan(stage: string, over: Partial<StagePlan> = {}): StagePlan {
  return { stage, fingerprintSuffix: ':v1', sidecar: false, accepted: ['image/jpg'], rejected: [], maxAttempts: 3, priority: 100, ...over };
}

function setup(backend: Backend, t: TestContext) {
  const db = backend.open(t);
  const clock = new FakeClock();
  const root = addRoot(db, '/r');
  return { db, clock, root, store: new TaskStore(db) };
}

const taskCount = (db: ReturnType<typeof setup>['db']) => (db.prepare(`SELECT count(*) n FROM tasks`).get() as { n: number }).n;

forEachBackend((backend) => {
  it("one pending task per accepted present file, a skipped one with the reason for others; no work for files that aren't there", (t) => {
    const { db, clock, root } = setup(backend, t);
    const jpg = addFile(db, root, { path: '/r/a.jpg', size: 10, mtimeMs: 20 });
    const mov = addFile(db, root, { path: '/r/b.mov', kind: 'video' });
    const offline = addFile(db, root, { path: '/r/c.jpg', state: 'offline' });
    const deleted = addFile(db, root, { path: '/r/d.jpg', state: 'deleted' });
    const counts = planStage(db, plan('thumb', { rejected: [{ key: 'video/mov', reason: 'videos have their own stage' }] }), clock.now());
    assert.deepEqual(counts, { planned: 1, rearmed: 0, coalesced: 0, skipped: 1 });
    assert.deepEqual([taskRow(db, jpg, 'thumb').state, taskRow(db, jpg, 'thumb').fingerprint, taskRow(db, jpg, 'thumb').max_attempts], ['pending', '10:20:v1', 3]);
    assert.deepEqual([taskRow(db, mov, 'thumb').state, taskRow(db, mov, 'thumb').reason], ['skipped', 'videos have their own stage']);
    assert.equal(taskRow(db, offline, 'thumb'), undefined);
    assert.equal(taskRow(db, deleted, 'thumb'), undefined);
    assert.deepEqual(planStage(db, plan('thumb', { rejected: [{ key: 'video/mov', reason: 'videos have their own stage' }] }), clock.now()), {
      planned: 0, rearmed: 0, coalesced: 0, skipped: 0,
    }, 'planning again changes nothing');
    assert.equal(taskCount(db), 2);
  });

  it('a changed fingerprint re-arms a finished task with fresh attempts; an unchanged one stays finished', (t) => {
    const { db, clock, root, store } = setup(backend, t);
    const edited = addFile(db, root, { path: '/r/edited.jpg' });
    const same = addFile(db, root, { path: '/r/same.jpg' });
    planStage(db, plan('exif'), clock.now());
    const claimed = claimAt(store, clock, ['exif'], 10);
    store.end(claimed.find((t) => t.fileId === edited)!.id, 1, 'failed', clock.now(), '/r/edited.jpg: truncated');
    store.end(claimed.find((t) => t.fileId === same)!.id, 1, 'done', clock.now());

    updateFile(db, edited, { mtimeMs: 99_000 });
    assert.equal(planStage(db, plan('exif'), clock.now()).rearmed, 1);
    const row = taskRow(db, edited, 'exif');
    assert.deepEqual([row.state, row.attempts, row.reason, row.rearms, row.fingerprint], ['pending', 0, null, 1, '100:99000:v1']);
    assert.equal(taskRow(db, same, 'exif').state, 'done');
    // A new stage version (part of the suffix) re-arms the done one too.
    assert.equal(planStage(db, plan('exif', { fingerprintSuffix: ':v2' }), clock.now()).rearmed, 1);
    assert.equal(taskRow(db, same, 'exif').state, 'pending');
  });

  it('the sidecar is part of the fingerprint only for a stage that reads it', (t) => {
    const { db, clock, root, store } = setup(backend, t);
    const id = addFile(db, root, { path: '/r/a.jpg', sidecarSize: 50, sidecarMtimeMs: 60 });
    planStage(db, plan('xmp', { sidecar: true }), clock.now());
    planStage(db, plan('thumb'), clock.now());
    assert.equal(taskRow(db, id, 'xmp').fingerprint, '100:1000:50:60:v1');
    for (const t of claimAt(store, clock, ['xmp', 'thumb'], 10)) store.end(t.id, 1, 'done', clock.now());
    updateFile(db, id, { sidecarSize: 51 });
    assert.equal(planStage(db, plan('xmp', { sidecar: true }), clock.now()).rearmed, 1);
    assert.equal(planStage(db, plan('thumb'), clock.now()).rearmed, 0, 'an edited sidecar does not redo the thumbnail');
  });

  it('a pending task whose file changed again is updated in place, not duplicated', (t) => {
    const { db, clock, root } = setup(backend, t);
    const id = addFile(db, root, { path: '/r/a.jpg' });
    planStage(db, plan('thumb'), clock.now());
    updateFile(db, id, { size: 555 });
    assert.deepEqual(planStage(db, plan('thumb', { priority: 0 }), clock.now()), { planned: 0, rearmed: 0, coalesced: 1, skipped: 0 });
    const row = taskRow(db, id, 'thumb');
    assert.deepEqual([row.state, row.fingerprint, row.rearms, row.priority], ['pending', '555:1000:v1', 1, 0]);
    assert.equal(taskCount(db), 1);
  });

  it("a deleted file's pending tasks are canceled, its finished ones kept; back at its path, its work is planned again", (t) => {
    const { db, clock, root, store } = setup(backend, t);
    const id = addFile(db, root, { path: '/r/a.jpg' });
    const other = addFile(db, root, { path: '/r/b.jpg' });
    planStage(db, plan('thumb'), clock.now());
    planStage(db, plan('exif'), clock.now());
    const [thumb] = claimAt(store, clock, ['thumb'], 1);
    store.end(thumb!.id, 1, 'done', clock.now());
    updateFile(db, id, { state: 'deleted' });
    assert.equal(cancelTasksOfDeletedFiles(db, clock.now()), 1);
    assert.deepEqual([taskRow(db, id, 'exif').state, taskRow(db, id, 'exif').reason], ['canceled', 'file deleted']);
    assert.equal(taskRow(db, id, 'thumb').state, 'done');
    assert.equal(taskRow(db, other, 'exif').state, 'pending');
    assert.equal(cancelTasksOfDeletedFiles(db, clock.now()), 0);

    updateFile(db, id, { state: 'present' });
    assert.equal(planStage(db, plan('exif'), clock.now()).rearmed, 1, 'same fingerprint, but canceled because deleted: planned again');
    assert.equal(taskRow(db, id, 'exif').state, 'pending');
    assert.equal(taskRow(db, id, 'thumb').state, 'done', 'finished work of an unchanged file is not redone');
  });

  it("a stage's task waits for its own file's task of the stage it depends on, not for other files'", (t) => {
    const { db, clock, root, store } = setup(backend, t);
    const a = addFile(db, root, { path: '/r/a.jpg' });
    const b = addFile(db, root, { path: '/r/b.jpg' });
    planStage(db, plan('thumb'), clock.now());
    planStage(db, plan('clip'), clock.now());
    planDependency(db, 'clip', 'thumb');
    planDependency(db, 'clip', 'thumb');
    assert.equal((db.prepare(`SELECT count(*) n FROM task_deps`).get() as { n: number }).n, 2, 'one per file, planned once');
    assert.deepEqual(claimAt(store, clock, ['clip'], 10), []);
    const thumbOfA = claimAt(store, clock, ['thumb'], 10).find((t) => t.fileId === a)!;
    store.end(thumbOfA.id, 1, 'done', clock.now());
    assert.deepEqual(claimAt(store, clock, ['clip'], 10).map((t) => t.fileId), [a]);
    assert.equal(taskRow(db, b, 'clip').state, 'pending');
  });

  it('fileIds plans only those files (a file found changed during phase 2)', (t) => {
    const { db, clock, root } = setup(backend, t);
    const a = addFile(db, root, { path: '/r/a.jpg' });
    const b = addFile(db, root, { path: '/r/b.jpg' });
    assert.equal(planStage(db, plan('thumb', { fileIds: [b] }), clock.now()).planned, 1);
    assert.equal(taskRow(db, a, 'thumb'), undefined);
    assert.equal(taskRow(db, b, 'thumb').state, 'pending');
  });

  it("--priority high: the roots just scanned go ahead of the backlog, other roots' tasks keep their place", (t) => {
    const { db, clock, root, store } = setup(backend, t);
    const backlog = addFile(db, root, { path: '/r/old.jpg' });
    const cameraRoot = addRoot(db, '/camera');
    const fresh = addFile(db, cameraRoot, { path: '/camera/new.jpg' });
    planStage(db, plan('thumb'), clock.now());
    assert.equal(prioritizeRoots(db, [cameraRoot], 0, clock.now()), 1);
    assert.equal(prioritizeRoots(db, [cameraRoot], 0, clock.now()), 0, 'already there');
    assert.deepEqual(claimAt(store, clock, ['thumb'], 10).map((t) => t.fileId), [fresh, backlog]);
  });

  it('the kinds of present files, each once, for the stages to accept or refuse', (t) => {
    const { db, root } = setup(backend, t);
    addFile(db, root, { path: '/r/a.jpg' });
    addFile(db, root, { path: '/r/b.jpg' });
    addFile(db, root, { path: '/r/c.mov', kind: 'video' });
    addFile(db, root, { path: '/r/d.png', state: 'deleted' });
    const kinds = presentKinds(db).sort((x, y) => x.ext.localeCompare(y.ext));
    assert.deepEqual(kinds, [{ kind: 'image', ext: 'jpg' }, { kind: 'video', ext: 'mov' }]);
  });
});
