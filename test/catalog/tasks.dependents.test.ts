/**
 * A task that fails for good ends its file's pending dependents as skipped (they could never run), and `retry`
 * brings them back with it: nothing waits forever behind a broken file, and nothing is lost once it is mended.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTasks } from '../../src/tasks/plan.js';
import { dependentsOf } from '../../src/tasks/phase2.js';
import { rearmFailed, skipDependents, TaskStore } from '../../src/catalog/tasks.js';
import { addFile, addRoot, claimAt, fakeStage, FakeClock, taskRow } from '../tasks/helpers.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend((backend) => {
  const stages = [fakeStage('video'), fakeStage('thumb'), fakeStage('clip', { dependsOn: ['thumb', 'video'] }), fakeStage('tags', { dependsOn: ['clip'] })];

  test('dependents are found through every loaded stage, directly or not', (tc) => {
    const of = dependentsOf(stages);
    assert.deepEqual([...of('video')].sort(), ['clip', 'tags']);
    assert.deepEqual([...of('clip')], ['tags']);
    assert.deepEqual([...of('tags')], []);
  });

  test("a failed task skips its own file's pending dependents, naming the stage; retry re-arms both", (tc) => {
    const db = backend.open(tc);
    const clock = new FakeClock();
    const root = addRoot(db, '/r');
    const broken = addFile(db, root, { path: '/r/broken.mov' });
    const fine = addFile(db, root, { path: '/r/fine.mov' });
    planTasks(db, stages, { now: clock.now(), priority: null });
    const store = new TaskStore(db);
    const video = claimAt(store, clock, ['video'], 10).find((t) => t.fileId === broken)!;
    assert.ok(store.end(video.id, 1, 'failed', clock.now(), 'broken.mov: moov atom not found'));
    assert.equal(skipDependents(db, broken, 'video', dependentsOf(stages)('video'), clock.now()), 2);

    assert.deepEqual([taskRow(db, broken, 'clip').state, taskRow(db, broken, 'clip').reason], ['skipped', 'not run, this file failed: video']);
    assert.equal(taskRow(db, broken, 'tags').state, 'skipped');
    assert.equal(taskRow(db, broken, 'thumb').state, 'pending', 'a stage that does not depend on it is untouched');
    assert.equal(taskRow(db, fine, 'clip').state, 'pending', "another file's tasks are untouched");

    // Retrying another stage leaves them: their dependency is still failed.
    rearmFailed(db, { stage: 'thumb', now: clock.now() });
    assert.equal(taskRow(db, broken, 'clip').state, 'skipped');
    assert.equal(rearmFailed(db, { stage: 'video', now: clock.now() }), 1);
    for (const stage of ['video', 'clip', 'tags']) assert.equal(taskRow(db, broken, stage).state, 'pending', stage);
    assert.equal(taskRow(db, broken, 'clip').reason, null);
  });
});
