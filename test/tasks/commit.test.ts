/**
 * tasks/commit.ts: how a worker's outcome lands in the catalog. Whether a failure is the file's or the stage's is the
 * worker's call (extract/image-outcome.ts classifies by error code): commit trusts `stageFault` and never reads the
 * reason's words, so a file whose name or decoder message spells an errno code is failed like any other bad file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskStore } from '../../src/catalog/tasks.js';
import { startRun } from '../../src/catalog/runs.js';
import { planTasks } from '../../src/tasks/plan.js';
import { commitSettled } from '../../src/tasks/commit.js';
import { badFile, ioFailure } from '../../src/extract/image-outcome.js';
import type { StageOutcome } from '../../src/extract/stage.js';
import { addFile, addRoot, claimAt, commitContext, fakeStage, FakeClock, taskRow, tempCatalog } from './helpers.js';

function setup(file: string) {
  const { db } = tempCatalog();
  const clock = new FakeClock();
  const fileId = addFile(db, addRoot(db, '/photos'), { path: file });
  const stages = [fakeStage('thumb')];
  planTasks(db, stages, { now: clock.now(), priority: null });
  const runId = startRun(db, { command: 'test', pid: process.pid, stages: ['thumb'], now: clock.now() });
  const store = new TaskStore(db);
  const [task] = claimAt(store, clock, ['thumb'], 1);
  const ctx = commitContext(db, store, stages, runId, clock.now());
  return { db, fileId, ctx, task: task! };
}

function commitOne(file: string, outcome: (path: string) => StageOutcome) {
  const s = setup(file);
  const effects = commitSettled(s.ctx, [{ task: s.task, outcome: outcome(file) }]);
  return { ...s, effects, row: taskRow(s.db, s.fileId, 'thumb') };
}

test('a bad file whose name spells an errno code fails; the stage is not paused', () => {
  const file = '/photos/ENOSPC EMFILE scan.jpg';
  const { effects, row } = commitOne(file, (p) => badFile(p, 'not a recognised image (starts 00 00 00 00)'));
  assert.deepEqual(effects.stageFaults, []);
  assert.deepEqual(effects.failed.map((f) => f.reason), [`${file}: not a recognised image (starts 00 00 00 00)`]);
  assert.equal(row.state, 'failed');
});

test("a retryable failure whose decoder message quotes an errno code is retried later, not taken for the machine's", () => {
  const { effects, row } = commitOne('/photos/a.jpg', (p) => ({ status: 'failed', reason: `${p}: libheif says EROFS in box 'iloc'` }));
  assert.deepEqual(effects.stageFaults, []);
  assert.deepEqual(effects.failed, []);
  assert.equal(row.state, 'pending');
  assert.equal(row.attempts, 1, 'the attempt counts: the file is at fault');
});

test('a failure the worker classified as the stage\'s (out of file handles) pauses the stage and gives the attempt back', () => {
  const err = Object.assign(new Error("EMFILE: too many open files, open '/photos/a.jpg'"), { code: 'EMFILE' });
  const { effects, row, ctx } = commitOne('/photos/a.jpg', (p) => ioFailure(p, 'cannot read', err));
  assert.deepEqual(effects.stageFaults.map((f) => f.stage), ['thumb']);
  assert.deepEqual(effects.failed, []);
  assert.equal(row.state, 'pending');
  assert.equal(row.attempts, 0);
  assert.equal(ctx.totals.released, 1);
});
