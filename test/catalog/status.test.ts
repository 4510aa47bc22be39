/** `status` and `info` on a real catalog of either backend: counts per stage and state, the last run, failures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTasks } from '../../src/tasks/plan.js';
import { TaskStore } from '../../src/catalog/tasks.js';
import { endRun, startRun, updateRunCounts } from '../../src/catalog/runs.js';
import { engineStatus, listFailed, tasksForFile } from '../../src/tasks/status.js';
import { formatEngineStatus } from '../../src/cli/engine-status.js';
import { addFile, addRoot, fakeStage, FakeClock } from '../tasks/helpers.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend((backend) => {
  test('status: per-stage counts in every state, last run with throughput, ETA, top failures without paths, blocked', (t) => {
    const db = backend.open(t);
    const clock = new FakeClock();
    const root = addRoot(db, '/r');
    for (let i = 0; i < 6; i++) addFile(db, root, { path: `/r/${i}.jpg` });
    addFile(db, root, { path: '/r/v.mp4', kind: 'video' });
    planTasks(db, [fakeStage('thumb'), fakeStage('clip', { dependsOn: ['thumb'] })], { now: clock.now(), priority: null });
    const store = new TaskStore(db);
    const run = startRun(db, { command: 'scan', pid: 1, stages: ['thumb', 'clip'], now: clock.now() });
    const claimed = store.claim({ runId: run, pid: 1, leaseMs: 1000, stages: ['thumb'], limit: 4, now: clock.now(), suspect: false });
    store.end(claimed[0]!.id, run, 'done', clock.now());
    store.end(claimed[1]!.id, run, 'failed', clock.now(), `${claimed[1]!.path}: corrupt header`);
    store.end(claimed[2]!.id, run, 'failed', clock.now(), `${claimed[2]!.path}: corrupt header`);
    store.release(claimed[3]!.id, run, clock.now(), true);
    updateRunCounts(db, run, { done: 1, failed: 2 });
    clock.advance(2000);
    endRun(db, run, { outcome: 'limit', note: 'stopped at --max-tasks 4', now: clock.now() });

    const s = engineStatus(db);
    assert.deepEqual(s.stages.thumb, { pending: 3, running: 0, done: 1, failed: 2, skipped: 1, canceled: 0 });
    assert.deepEqual(s.stages.clip, { pending: 6, running: 0, done: 0, failed: 0, skipped: 1, canceled: 0 });
    const last = s.extra.lastRun!;
    assert.equal(last.outcome, 'limit');
    assert.equal(last.tasksPerSecond, 1.5);
    assert.equal(s.extra.etaSeconds, 5, '7 that can run (2 of the 9 pending clip tasks are blocked) at 1.5 tasks/s');
    assert.deepEqual(s.extra.topFailures, [{ stage: 'thumb', reason: 'corrupt header', count: 2 }]);
    assert.deepEqual(s.extra.blocked, { clip: 2 });
    const text = formatEngineStatus(s).join('\n');
    assert.match(text, /thumb\s+3 pending, 0 running, 1 done, 2 failed, 1 skipped, 0 canceled/);
    assert.match(text, /last run: #1 scan .* limit in 2s: 1 done, 2 failed/);
    assert.match(text, /2 × \[thumb\] corrupt header/);
    assert.match(text, /blocked: 2 clip/);
    assert.equal(listFailed(db).length, 2);
    assert.deepEqual(
      tasksForFile(db, claimed[1]!.fileId).map((t) => [t.stage, t.state]),
      [
        ['clip', 'pending'],
        ['thumb', 'failed'],
      ],
    );
  });
});
