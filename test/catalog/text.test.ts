/**
 * Text the catalog stores from outside (a damaged XMP packet's fields, a decoder's error message) may hold a NUL
 * byte, which a PostgreSQL text column refuses outright. What a user notices: the result or the failure is recorded,
 * and reads back the same on both backends, with the NUL shown as U+FFFD, instead of the commit failing on one of them.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { getXmp, saveXmp } from '../../src/catalog/metadata.js';
import { TaskStore } from '../../src/catalog/tasks.js';
import { failedTasks } from '../../src/catalog/task-queries.js';
import { endRun, recentRuns, startRun } from '../../src/catalog/runs.js';
import { planTasks } from '../../src/tasks/plan.js';
import { scansCatalog, zeroCounts } from '../../src/catalog/scans.js';
import { addFile, addRoot, fakeStage, FakeClock, taskRow } from '../tasks/helpers.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend((backend) => {
  it('an XMP field, a failure reason and a run or scan note holding a NUL byte are stored, the NUL shown as U+FFFD', (t) => {
    const db = backend.open(t);
    const clock = new FakeClock();
    const root = addRoot(db, '/r');
    const [a, b] = ['/r/a.jpg', '/r/b.jpg'].map((p) => addFile(db, root, { path: p }));
    saveXmp(db, a!, { rating: 3, label: null, title: 'Sunset\0\0junk', description: 'a\0b', keywords: '["x"]', hierarchical: null,
      creator: null, rights: null, people: null, source: 'embedded' });
    assert.deepEqual([getXmp(db, a!)!.title, getXmp(db, a!)!.description], ['Sunset\uFFFD\uFFFDjunk', 'a\uFFFDb']);

    planTasks(db, [fakeStage('thumb')], { now: clock.now(), priority: null });
    const store = new TaskStore(db);
    const run = startRun(db, { command: 'scan', pid: 1, stages: ['thumb'], now: clock.now() });
    const [ta, tb] = store.claim({ runId: run, pid: 1, leaseMs: 1000, stages: ['thumb'], limit: 2, now: clock.now(), suspect: false });
    assert.equal(store.end(ta!.id, run, 'failed', clock.now(), "/r/a.jpg: unknown signature 'II*\0'"), true);
    assert.equal(store.retryLater(tb!.id, run, '/r/b.jpg: read \0 bytes', clock.now() + 1000, clock.now()), true);
    assert.deepEqual(failedTasks(db).map((f) => f.reason), ["/r/a.jpg: unknown signature 'II*\uFFFD'"]);
    assert.equal(taskRow(db, b!, 'thumb').last_error, '/r/b.jpg: read \uFFFD bytes');
    endRun(db, run, { outcome: 'failed', note: 'stopped: \0', now: clock.now() });
    assert.equal(recentRuns(db, 1)[0]!.note, 'stopped: \uFFFD');
    const scans = scansCatalog(db);
    scans.finish(scans.start(['/r'], 1), 'failed', zeroCounts(), '/r: \0', 2);
    assert.equal(scans.recent(1)[0]!.note, '/r: \uFFFD');
  });
});
