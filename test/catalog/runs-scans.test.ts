/**
 * catalog/runs.ts and scans.ts: the history `status` shows. What a user notices: a run's counts show while it runs
 * and survive a crash, its outcome and note once it ends; a scan that died is recorded as failed when the next starts.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { endRun, markRunCrashed, recentRuns, runningRuns, startRun, updateRunCounts } from '../../src/catalog/runs.js';
import { scansCatalog, zeroCounts } from '../../src/catalog/scans.js';
import { forEachBackend } from '../helpers/backends.js';

const zeros = { planned: 0, rearmed: 0, coalesced: 0, recovered: 0, done: 0, failed: 0, skipped: 0, released: 0 };

forEachBackend((backend) => {
  it('a run shows its counts as it goes, its outcome and note once it ends; a dead one is marked crashed once', (t) => {
    const db = backend.open(t);
    const first = startRun(db, { command: 'scan', pid: 11, stages: ['thumbnail', 'exif'], now: 1000, host: 'h1' });
    const second = startRun(db, { command: 'worker', pid: 22, stages: ['clip'], now: 2000, host: 'h2' });
    updateRunCounts(db, first, { planned: 10, done: 3 });
    updateRunCounts(db, first, { done: 7, failed: 1, skipped: 2 });
    updateRunCounts(db, first, {});
    // Oldest first on both backends, though the first run's row was updated since (PostgreSQL moves it in its heap).
    assert.deepEqual(runningRuns(db), [{ id: first, pid: 11, host: 'h1', startedAt: 1000, heartbeatAt: 1000 }, { id: second, pid: 22, host: 'h2', startedAt: 2000, heartbeatAt: 2000 }]);

    endRun(db, first, { outcome: 'limit', note: 'stopped at --max-tasks 10', now: 5000 });
    markRunCrashed(db, second, 'its process 22 is gone');
    markRunCrashed(db, first, 'not running: left alone');
    assert.deepEqual(runningRuns(db), []);
    assert.deepEqual(recentRuns(db, 5), [
      { ...zeros, id: second, startedAt: 2000, endedAt: null, pid: 22, command: 'worker', outcome: 'crashed', stages: ['clip'], note: 'its process 22 is gone' },
      { ...zeros, id: first, startedAt: 1000, endedAt: 5000, pid: 11, command: 'scan', outcome: 'limit', stages: ['thumbnail', 'exif'],
        planned: 10, done: 7, failed: 1, skipped: 2, note: 'stopped at --max-tasks 10' },
    ]);
    assert.deepEqual(recentRuns(db, 1).map((r) => r.id), [second]);
  });

  it('a scan records its roots and counts; a scan left running by a dead process is failed when the next one starts', (t) => {
    const db = backend.open(t);
    const scans = scansCatalog(db);
    const crashed = scans.start(['/a'], 1000);
    const next = scans.start(['/a', '/b'], 2000);
    const counts = { ...zeroCounts(), new: 5, modified: 1, moved: 2, deleted: 3, unchanged: 100, offline: 4, settling: 1, errors: 2, sidecars: 9 };
    scans.finish(next, 'complete', counts, null, 3000);
    scans.finish(next, 'interrupted', zeroCounts(), 'too late', 4000);
    const { sidecars: _kept, ...stored } = counts;
    assert.deepEqual(scans.recent(10), [
      { id: next, startedAt: 2000, endedAt: 3000, outcome: 'complete', roots: ['/a', '/b'], ...stored, note: null },
      { id: crashed, startedAt: 1000, endedAt: 2000, outcome: 'failed', roots: ['/a'], ...zeroCounts(), sidecars: undefined,
        note: 'the process ended before the scan finished' },
    ].map((r) => JSON.parse(JSON.stringify(r))));
  });
});
