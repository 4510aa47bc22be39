/**
 * The runner keeps its run's heartbeat fresh while it works, so a run that lasts longer than STALE_RUN_MS is never
 * taken for dead. The clock runs 500 times faster than real time: a task of 1.5 s lasts 12.5 minutes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTasks } from '../../src/tasks/plan.js';
import { TaskStore } from '../../src/catalog/tasks.js';
import { STALE_RUN_MS, recentRuns, startRun } from '../../src/catalog/runs.js';
import { defaultTuning, runTasks } from '../../src/tasks/runner.js';
import type { Clock } from '../../src/types.js';
import { addFile, addRoot, fakeStage, tempCatalog } from './helpers.js';

test('a run that works longer than STALE_RUN_MS keeps beating: status shows it running throughout', async () => {
  const started = performance.now();
  const clock: Clock = { now: () => Math.round((performance.now() - started) * 500) };
  const { db } = tempCatalog();
  const stages = [fakeStage('one')];
  addFile(db, addRoot(db, '/r'), { path: '/r/a.jpg' });
  planTasks(db, stages, { now: clock.now(), priority: null });
  const runId = startRun(db, { command: 'test', pid: process.pid, stages: ['one'], now: clock.now() });
  let seen = '';
  const pool = {
    threads: 1,
    async run() {
      await new Promise((r) => setTimeout(r, 1_500));
      seen = recentRuns(db, 1, clock.now())[0]!.outcome;
      return { outcome: { status: 'done' as const, value: null } };
    },
    async close() {},
  };
  const r = await runTasks({
    db,
    store: new TaskStore(db),
    stages,
    paused: new Map(),
    pool,
    clock,
    runId,
    pid: process.pid,
    cacheDir: '/tmp',
    signal: new AbortController().signal,
    limits: {},
    tuning: { ...defaultTuning },
    events: { progress() {}, taskFailed() {}, stagePaused() {} },
    totals: { planned: 0, rearmed: 0, coalesced: 0, recovered: 0, done: 0, failed: 0, skipped: 0, released: 0 },
  });
  assert.equal(r.stop, 'complete');
  assert.ok(clock.now() > 2 * STALE_RUN_MS, 'the task outlasted the limit');
  assert.equal(seen, 'running');
});
