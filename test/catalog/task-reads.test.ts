/**
 * The task reads and file fix-ups around phase 2: task-queries.ts (what `status` and `info` count), worker-queries.ts
 * (what `indexer worker --follow` watches), task-sources.ts (a task's file gone or changed) and known-paths.ts (PATH
 * arguments of retry/cancel). What a user notices: offline work is told apart from work that can run, `info` lists a
 * file's tasks, a worker wakes for new work, a task whose file vanished waits instead of failing.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { planTasks } from '../../src/tasks/plan.js';
import { TaskStore } from '../../src/catalog/tasks.js';
import { failedTasks, fileTasks, hasTaskTables, offlinePendingByStage } from '../../src/catalog/task-queries.js';
import { hasClaimable, heldTasks, pendingCount, scanSignature } from '../../src/catalog/worker-queries.js';
import { markFileOffline, markRootOffline, refreshFileContent, rootOfFile } from '../../src/catalog/task-sources.js';
import { catalogKnowsPath, stagesWithTasks } from '../../src/catalog/known-paths.js';
import { scansCatalog, zeroCounts } from '../../src/catalog/scans.js';
import { listRoots } from '../../src/catalog/root-admin.js';
import { addFile, addRoot, fakeStage, FakeClock } from '../tasks/helpers.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend((backend) => {
  it("status tells offline files' pending work apart; info lists a file's tasks; failures list attempts and reasons", (t) => {
    const db = backend.open(t);
    const clock = new FakeClock();
    const root = addRoot(db, '/r');
    const [a, b, c] = ['/r/a.jpg', '/r/b.jpg', '/r/c.jpg'].map((p) => addFile(db, root, { path: p }));
    const off = addFile(db, root, { path: '/r/off.jpg' });
    assert.equal(hasTaskTables(db), true);
    planTasks(db, [fakeStage('thumb'), fakeStage('clip', { dependsOn: ['thumb'] })], { now: clock.now(), priority: null });
    db.prepare(`UPDATE files SET state = 'offline' WHERE id = ?`).run(off);
    const store = new TaskStore(db);
    const claimed = store.claim({ runId: 1, pid: 1, leaseMs: 1000, stages: ['thumb'], limit: 3, now: clock.now(), suspect: false });
    const byFile = new Map(claimed.map((task) => [task.fileId, task]));
    clock.advance(500);
    store.end(byFile.get(a!)!.id, 1, 'failed', clock.now(), '/r/a.jpg: corrupt header');
    store.end(byFile.get(b!)!.id, 1, 'done', clock.now());
    // c's thumb stays running; the offline file's thumb and clip wait for its root, its clip on a pending thumb.
    assert.deepEqual(offlinePendingByStage(db), { clip: 1, thumb: 1 });
    assert.deepEqual(fileTasks(db, a!), [
      { stage: 'clip', state: 'pending', reason: null, attempts: 0, updatedAt: clock.now() - 500 },
      { stage: 'thumb', state: 'failed', reason: '/r/a.jpg: corrupt header', attempts: 1, updatedAt: clock.now() },
    ]);
    assert.deepEqual(failedTasks(db), [{ path: '/r/a.jpg', stage: 'thumb', reason: '/r/a.jpg: corrupt header', attempts: 1 }]);
    assert.deepEqual(fileTasks(db, c!).map((task) => task.state), ['pending', 'running']);
    assert.deepEqual(stagesWithTasks(db), ['clip', 'thumb']);
  });

  it('a worker sees new scans, pending work and the leases others hold', (t) => {
    const db = backend.open(t);
    const clock = new FakeClock();
    const scans = scansCatalog(db);
    const empty = scanSignature(db);
    assert.equal(empty, '0:0:0');
    assert.deepEqual([pendingCount(db, ['thumb']), pendingCount(db, [])], [0, 0]);
    assert.deepEqual(heldTasks(db, ['thumb']), { running: 0, firstExpiry: null });
    assert.deepEqual(heldTasks(db, []), { running: 0, firstExpiry: null });

    const scan = scans.start(['/r'], clock.now());
    const started = scanSignature(db);
    assert.notEqual(started, empty);
    scans.finish(scan, 'complete', zeroCounts(), null, clock.now());
    assert.notEqual(scanSignature(db), started, 'the end of a scan is news too');

    const root = addRoot(db, '/r');
    for (let i = 0; i < 3; i++) addFile(db, root, { path: `/r/${i}.jpg` });
    planTasks(db, [fakeStage('thumb'), fakeStage('exif')], { now: clock.now(), priority: null });
    assert.deepEqual([pendingCount(db, ['thumb']), pendingCount(db, ['thumb', 'exif']), pendingCount(db, ['clip'])], [3, 6, 0]);
    assert.deepEqual([hasClaimable(db, ['thumb', 'exif'], clock.now()), hasClaimable(db, ['clip'], clock.now()), hasClaimable(db, [], clock.now())], [true, false, false]);
    const store = new TaskStore(db);
    store.claim({ runId: 1, pid: 1, leaseMs: 5000, stages: ['thumb'], limit: 1, now: clock.now(), suspect: false });
    clock.advance(100);
    store.claim({ runId: 2, pid: 2, leaseMs: 5000, stages: ['thumb'], limit: 1, now: clock.now(), suspect: false });
    assert.deepEqual(heldTasks(db, ['thumb', 'exif']), { running: 2, firstExpiry: clock.now() - 100 + 5000 });
    assert.deepEqual(heldTasks(db, ['exif']), { running: 0, firstExpiry: null });
    assert.equal(pendingCount(db, ['thumb']), 1);
    store.claim({ runId: 3, pid: 3, leaseMs: 5000, stages: ['thumb'], limit: 1, now: clock.now(), suspect: false });
    assert.deepEqual([hasClaimable(db, ['thumb'], clock.now()), hasClaimable(db, ['thumb', 'exif'], clock.now())], [false, true], 'held tasks are not claimable');
  });

  it('a task whose file vanished puts the file (or its whole root) offline; a changed file takes its new content', (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/r');
    const other = addRoot(db, '/s');
    const a = addFile(db, root, { path: '/r/a.jpg' });
    const b = addFile(db, root, { path: '/r/b.jpg' });
    const gone = addFile(db, root, { path: '/r/gone.jpg', state: 'deleted' });
    const s = addFile(db, other, { path: '/s/x.jpg' });
    assert.deepEqual(rootOfFile(db, b), { id: root, path: '/r' });
    assert.equal(rootOfFile(db, 999), undefined);

    const seen = { size: 77, mtimeMs: 88, ino: '99', dev: 3, identity: 'new-bytes' };
    assert.equal(refreshFileContent(db, a, seen), true);
    assert.deepEqual(db.prepare(`SELECT size, mtime_ms AS "mtimeMs", ino, dev, identity FROM files WHERE id = ?`).get(a), seen);
    assert.equal(refreshFileContent(db, gone, seen), false, 'a deleted row is left alone');

    assert.equal(markFileOffline(db, a), true);
    assert.equal(markFileOffline(db, a), false, 'already offline');
    assert.equal(markRootOffline(db, root), 1, 'b went offline with its root');
    assert.equal(markRootOffline(db, root), null, 'the root was offline already');
    const states = db.prepare(`SELECT id, state FROM files ORDER BY id`).all();
    assert.deepEqual(states, [{ id: a, state: 'offline' }, { id: b, state: 'offline' }, { id: gone, state: 'deleted' }, { id: s, state: 'present' }]);
    assert.deepEqual(listRoots(db).map((r) => [r.path, r.online]), [['/r', false], ['/s', true]]);
  });

  it('retry and cancel know a PATH argument as a file or a folder with files below it, never a sibling with the same prefix', (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/r');
    addFile(db, root, { path: '/r/2024/a.jpg', state: 'deleted' });
    addFile(db, root, { path: '/r/2024-old/b.jpg' });
    addFile(db, root, { path: '/r/2024.jpg' });
    for (const known of ['/r/2024/a.jpg', '/r/2024', '/r/2024/', '/r', '/r/2024-old', '/r/2024.jpg']) {
      assert.equal(catalogKnowsPath(db, known), true, known);
    }
    for (const unknown of ['/r/2024/b.jpg', '/r/202', '/r/2025', '/q', '/r/2024-old/b']) {
      assert.equal(catalogKnowsPath(db, unknown), false, unknown);
    }
  });
});
