/** `status` reports blocked, paused and offline work apart from work that can run, and gives an ETA only for the latter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTasks } from '../../src/tasks/plan.js';
import { TaskStore } from '../../src/catalog/tasks.js';
import { endRun, startRun, updateRunCounts } from '../../src/catalog/runs.js';
import { engineStatus, listFailed } from '../../src/tasks/status.js';
import { formatEngineStatus } from '../../src/cli/engine-status.js';
import { pausedInNote, pausedPart } from '../../src/tasks/run-note.js';
import { addFile, addRoot, fakeStage, FakeClock, updateFile } from '../tasks/helpers.js';
import type { Db } from '../../src/catalog/sql.js';
import { forEachBackend } from '../helpers/backends.js';

/** Six photos; thumb done for 2 and failed for 4 (so 4 clip tasks are blocked), in a run that paused clip. */
function catalogWithWaitingWork(db: Db, note: string | null) {
  const clock = new FakeClock();
  const root = addRoot(db, '/r');
  const ids = [0, 1, 2, 3, 4, 5].map((i) => addFile(db, root, { path: `/r/${i}.jpg` }));
  planTasks(db, [fakeStage('thumb'), fakeStage('clip', { dependsOn: ['thumb'] })], { now: clock.now(), priority: null });
  const store = new TaskStore(db);
  const run = startRun(db, { command: 'scan', pid: 1, stages: ['thumb', 'clip'], now: clock.now() });
  const claimed = store.claim({ runId: run, pid: 1, leaseMs: 1000, stages: ['thumb'], limit: 6, now: clock.now(), suspect: false });
  claimed.forEach((t, i) => store.end(t.id, run, i < 2 ? 'done' : 'failed', clock.now(), i < 2 ? undefined : `${t.path}: corrupt`));
  updateRunCounts(db, run, { done: 2, failed: 4 });
  clock.advance(3000); // 6 tasks in 3 s: 2 tasks/s
  endRun(db, run, { outcome: 'complete', note, now: clock.now() });
  return { db, ids };
}

forEachBackend((backend) => {
  test('paused and blocked work is reported apart from pending, with no ETA when nothing can run', (t) => {
    const reason = "no CLIP model installed; run 'indexer models pull ViT-B-32'";
    const { db } = catalogWithWaitingWork(backend.open(t), pausedPart('clip', reason));
    const s = engineStatus(db);
    assert.deepEqual(s.extra.blocked, { clip: 4 });
    assert.deepEqual(s.extra.paused, { clip: { tasks: 2, reason } });
    assert.deepEqual(s.extra.runnable, { clip: 0, thumb: 0 });
    assert.equal(s.extra.etaSeconds, 0, 'nothing can run (6 pending clip tasks at 2 tasks/s would say 3)');
    const text = formatEngineStatus(s).join('\n');
    assert.match(text, /clip\s+0 pending, 4 blocked, 2 paused, 0 running/);
    assert.match(text, /blocked: 4 clip waiting on a failed or canceled dependency/);
    assert.match(text, new RegExp(`paused: clip \\(2 tasks waiting\\) in its last run: no CLIP model installed; run`));
    assert.doesNotMatch(text, /eta:/);
  });

  test('without a pause the clip tasks that can run are pending and get an ETA; blocked ones do not count', (t) => {
    const { db } = catalogWithWaitingWork(backend.open(t), null);
    const s = engineStatus(db);
    assert.deepEqual(s.extra.paused, {});
    assert.deepEqual(s.extra.runnable, { clip: 2, thumb: 0 });
    assert.equal(s.extra.etaSeconds, 1, '2 clip tasks at 2 tasks/s');
    const text = formatEngineStatus(s).join('\n');
    assert.match(text, /clip\s+2 pending, 4 blocked, 0 running/);
  });

  test("a deleted file's failed task is neither counted nor listed as failed", (t) => {
    const { db, ids } = catalogWithWaitingWork(backend.open(t), null);
    assert.equal(engineStatus(db).stages.thumb!.failed, 4);
    updateFile(db, ids[5]!, { state: 'deleted' });
    assert.equal(engineStatus(db).stages.thumb!.failed, 3);
    assert.equal(listFailed(db).length, 3);
    assert.ok(!listFailed(db).some((f) => f.path === '/r/5.jpg'));
    assert.ok(!(engineStatus(db).extra.topFailures as { count: number }[]).some((f) => f.count > 3));
  });

});

test('a run note gives back each paused stage and its reason, reasons with "; " included', () => {
  const note = ['stopped at --max-tasks 4', pausedPart('thumbnail', 'the cache /c is not writable; fix it'), pausedPart('clip', 'no model')].join('; ');
  assert.deepEqual([...pausedInNote(note, ['thumbnail', 'clip', 'exif'])], [
    ['thumbnail', 'the cache /c is not writable; fix it'],
    ['clip', 'no model'],
  ]);
  assert.deepEqual([...pausedInNote(null, ['clip'])], []);
});
