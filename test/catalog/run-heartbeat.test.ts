/**
 * Runs whose process died on another host stay 'running' in their rows (their pid cannot be checked from here):
 * once their heartbeat is older than STALE_RUN_MS, `status` shows them crashed with why, and the next recovery
 * records them so. A run that keeps beating stays running however long it lasts. Fake clock throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recoverDeadOwners } from '../../src/tasks/plan.js';
import { engineStatus } from '../../src/tasks/status.js';
import { TaskStore } from '../../src/catalog/tasks.js';
import { STALE_RUN_MS, beatRun, recentRuns, startRun } from '../../src/catalog/runs.js';
import { FakeClock } from '../tasks/helpers.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend((backend) => {
  test('a run of another host silent past STALE_RUN_MS: status shows it crashed, recovery records it; a beating one runs on', (tc) => {
    const db = backend.open(tc);
    const clock = new FakeClock();
    const t0 = clock.now();
    const dead = startRun(db, { command: 'worker', pid: 4101, stages: ['thumbnail'], now: t0, host: 'nas-box' });
    const alive = startRun(db, { command: 'worker', pid: 4102, stages: ['thumbnail'], now: t0, host: 'gpu-box' });
    const outcomes = (now?: number) => Object.fromEntries(recentRuns(db, 5, now).map((r) => [r.id, r.outcome]));

    clock.advance(STALE_RUN_MS - 60_000);
    beatRun(db, alive, clock.now());
    assert.deepEqual(outcomes(clock.now()), { [dead]: 'running', [alive]: 'running' }, 'within the limit both run');

    clock.advance(60_001);
    assert.deepEqual(outcomes(clock.now()), { [dead]: 'crashed', [alive]: 'running' });
    const shown = engineStatus(db, clock.now()).extra.recentRuns!.find((r) => r.id === dead)!;
    assert.equal(shown.outcome, 'crashed');
    assert.match(shown.note!, /no heartbeat from its process on nas-box since .*taken for dead/);
    assert.deepEqual(outcomes(), { [dead]: 'running', [alive]: 'running' }, 'status only shows it: the row is untouched');

    // Recovery on some worker, of yet another host: the row says crashed from now on, for every reader.
    recoverDeadOwners(db, new TaskStore(db), { now: clock.now(), currentRunId: null, pid: process.pid, isAlive: () => true, host: 'third-box' });
    assert.deepEqual(outcomes(), { [dead]: 'crashed', [alive]: 'running' });
    const row = db.prepare(`SELECT note FROM runs WHERE id = ?`).get(dead) as { note: string };
    assert.match(row.note, /no heartbeat from its process on nas-box/);

    // The beating run, silent from its last beat on, is judged the same way.
    clock.advance(STALE_RUN_MS);
    assert.equal(outcomes(clock.now())[alive], 'crashed');
  });
});
