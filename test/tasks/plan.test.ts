import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTasks } from '../../src/tasks/plan.js';
import { TaskStore } from '../../src/catalog/tasks.js';
import { addFile, addRoot, claimAt, fakeStage, FakeClock, taskRow, tempCatalog, updateFile } from './helpers.js';

test('planning creates one task per (file, stage) and skips what a stage does not accept, with the reason', () => {
  const { db } = tempCatalog();
  const clock = new FakeClock();
  const root = addRoot(db, '/r');
  const a = addFile(db, root, { path: '/r/a.jpg' });
  const v = addFile(db, root, { path: '/r/v.mp4', kind: 'video' });
  const stages = [fakeStage('one'), fakeStage('two')];
  const c = planTasks(db, stages, { now: clock.now(), priority: null });
  assert.equal(c.planned, 2);
  assert.equal(c.skipped, 2);
  assert.equal(taskRow(db, a, 'one').state, 'pending');
  assert.equal(taskRow(db, v, 'two').state, 'skipped');
  assert.equal(taskRow(db, v, 'two').reason, 'videos are skipped');
  // Planning again changes nothing: unique per (file, stage).
  const again = planTasks(db, stages, { now: clock.now(), priority: null });
  assert.deepEqual(again, { planned: 0, rearmed: 0, coalesced: 0, skipped: 0, canceled: 0 });
  assert.equal((db.prepare('SELECT count(*) n FROM tasks').get() as { n: number }).n, 4);
});

test('a changed file re-arms its finished task, and a pending one is coalesced in place (counted)', () => {
  const { db } = tempCatalog();
  const clock = new FakeClock();
  const root = addRoot(db, '/r');
  const a = addFile(db, root, { path: '/r/a.jpg' });
  const b = addFile(db, root, { path: '/r/b.jpg' });
  const stages = [fakeStage('one')];
  planTasks(db, stages, { now: clock.now(), priority: null });
  const store = new TaskStore(db);
  const [t] = claimAt(store, clock, ['one'], 1);
  assert.equal(t!.fileId, a);
  assert.ok(store.end(t!.id, 1, 'done', clock.now()));

  updateFile(db, a, { mtimeMs: 2000 });
  updateFile(db, b, { size: 999 });
  const c = planTasks(db, stages, { now: clock.now(), priority: null });
  assert.equal(c.rearmed, 1, 'done task of a changed file is re-armed');
  assert.equal(c.coalesced, 1, 'pending task of a changed file is updated, not duplicated');
  assert.equal(c.planned, 0);
  assert.equal(taskRow(db, a, 'one').state, 'pending');
  assert.equal(taskRow(db, a, 'one').attempts, 0);
  assert.equal(taskRow(db, b, 'one').rearms, 1);
  assert.match(taskRow(db, b, 'one').fingerprint, /^999:/);
});

test('raising a stage version re-arms its done tasks; a model change too', () => {
  const { db } = tempCatalog();
  const clock = new FakeClock();
  const a = addFile(db, addRoot(db, '/r'), { path: '/r/a.jpg' });
  planTasks(db, [fakeStage('one')], { now: clock.now(), priority: null });
  db.prepare(`UPDATE tasks SET state = 'done'`).run();
  assert.equal(planTasks(db, [fakeStage('one', { version: 2 })], { now: clock.now(), priority: null }).rearmed, 1);
  db.prepare(`UPDATE tasks SET state = 'done'`).run();
  assert.equal(planTasks(db, [fakeStage('one', { version: 2 })], { now: clock.now(), priority: null }).rearmed, 0);
  assert.equal(planTasks(db, [fakeStage('one', { version: 2, modelId: () => 'ViT-B-32' })], { now: clock.now(), priority: null }).rearmed, 1);
  assert.match(taskRow(db, a, 'one').fingerprint, /:v2:mViT-B-32$/);
});

test('a changed sidecar re-arms only the sidecar stage', () => {
  const { db } = tempCatalog();
  const clock = new FakeClock();
  const a = addFile(db, addRoot(db, '/r'), { path: '/r/a.jpg', sidecarSize: 10, sidecarMtimeMs: 5 });
  const stages = [fakeStage('thumb'), fakeStage('meta', { fingerprintExtra: 'sidecar' })];
  planTasks(db, stages, { now: clock.now(), priority: null });
  db.prepare(`UPDATE tasks SET state = 'done'`).run();
  updateFile(db, a, { sidecarSize: 11 });
  const c = planTasks(db, stages, { now: clock.now(), priority: null });
  assert.equal(c.rearmed, 1);
  assert.equal(taskRow(db, a, 'thumb').state, 'done');
  assert.equal(taskRow(db, a, 'meta').state, 'pending');
});

test('deleted files have their pending tasks canceled; offline files keep them waiting, unclaimed', () => {
  const { db } = tempCatalog();
  const clock = new FakeClock();
  const root = addRoot(db, '/r');
  const gone = addFile(db, root, { path: '/r/gone.jpg' });
  const away = addFile(db, root, { path: '/r/away.jpg' });
  planTasks(db, [fakeStage('one')], { now: clock.now(), priority: null });
  updateFile(db, gone, { state: 'deleted' });
  updateFile(db, away, { state: 'offline' });
  const c = planTasks(db, [fakeStage('one')], { now: clock.now(), priority: null });
  assert.equal(c.canceled, 1);
  assert.equal(taskRow(db, gone, 'one').state, 'canceled');
  assert.equal(taskRow(db, away, 'one').state, 'pending');
  const claimed = claimAt(new TaskStore(db), clock, ['one'], 10);
  assert.equal(claimed.length, 0, 'an offline file gets no work');
  // Back online: claimable again.
  updateFile(db, away, { state: 'present' });
  assert.equal(claimAt(new TaskStore(db), clock, ['one'], 10).length, 1);
});

test('scan ROOT --priority high puts the pending tasks of that root ahead of the backlog', () => {
  const { db } = tempCatalog();
  const clock = new FakeClock();
  const old = addRoot(db, '/old');
  const fresh = addRoot(db, '/new');
  for (let i = 0; i < 5; i++) addFile(db, old, { path: `/old/${i}.jpg` });
  planTasks(db, [fakeStage('one')], { now: clock.now(), priority: null });
  const f = addFile(db, fresh, { path: '/new/x.jpg' });
  planTasks(db, [fakeStage('one')], { now: clock.now(), priority: 0, rootIds: [fresh] });
  const [first] = claimAt(new TaskStore(db), clock, ['one'], 1);
  assert.equal(first!.fileId, f);
});
