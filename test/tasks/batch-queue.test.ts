/**
 * The batch step's queue: batches start when full, old enough or forced; a stage that allows two (the clip stage)
 * gets the next full batch handed over while one runs, never a partial one beside it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClaimedTask } from '../../src/catalog/tasks.js';
import type { StageOutcome } from '../../src/extract/stage.js';
import { BatchQueue } from '../../src/tasks/batch.js';
import type { Settled } from '../../src/tasks/commit.js';
import { fakeStage } from './helpers.js';

/** A stage whose batch step waits until the test lets each batch finish, in the order they started. */
function held(maxRunning?: number) {
  const started: number[][] = [];
  const finish: (() => void)[] = [];
  const stage = fakeStage('clip', {
    lane: 'inference',
    batch: {
      maxSize: 2,
      maxWaitMs: 1000,
      ...(maxRunning && { maxRunning }),
      run: (items) => {
        started.push(items.map((i) => i.target.taskId));
        return new Promise<StageOutcome[]>((resolve) => finish.push(() => resolve(items.map(() => ({ status: 'done', value: null })))));
      },
    },
  });
  const settled: Settled[] = [];
  const queue = new BatchQueue([stage], (items) => settled.push(...items));
  let id = 0;
  const add = (n: number, now = 0) => {
    for (let i = 0; i < n; i++) queue.add({ id: ++id, stage: 'clip' } as ClaimedTask, id, now);
  };
  const finishNext = async () => {
    finish.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { queue, started, settled, add, finishNext };
}

test('one batch at a time by default: a second full batch waits for the first to end', async () => {
  const q = held();
  q.add(4);
  q.queue.flushDue(0, false);
  q.queue.flushDue(0, false);
  assert.deepEqual(q.started, [[1, 2]]);
  await q.finishNext();
  q.queue.flushDue(0, false);
  assert.deepEqual(q.started, [[1, 2], [3, 4]]);
});

test('maxRunning 2: the next full batch starts beside the running one; never a third, a partial one, or one while stopping', async () => {
  const q = held(2);
  q.add(5);
  q.queue.flushDue(0, false);
  q.queue.flushDue(0, false);
  assert.deepEqual(q.started, [[1, 2], [3, 4]], 'the second is handed over while the first runs');
  assert.equal(q.queue.size, 5, 'both batches and the waiting item count as in flight');
  // A third batch never starts beside two, full as it is.
  q.add(1);
  q.queue.flushDue(5000, true);
  assert.equal(q.started.length, 2);
  await q.finishNext();
  assert.deepEqual(q.settled.map((s) => s.task.id), [1, 2]);
  // A run that is stopping hands none over beside a running one (the drain could not take it back), and starts it
  // once the running one has ended.
  q.queue.flushDue(5000, true, true);
  assert.equal(q.started.length, 2);
  await q.finishNext();
  q.queue.flushDue(5000, true, true);
  assert.deepEqual(q.started[2], [5, 6], 'started when nothing else runs');
  // Item 7 alone, old and forced, beside the running batch: it waits (a partial batch would only cost a run).
  q.add(1);
  q.queue.flushDue(5000, true);
  assert.equal(q.started.length, 3);
  await q.finishNext();
  q.queue.flushDue(0, true);
  assert.deepEqual(q.started[3], [7], 'nothing running: a partial batch goes when forced');
  await q.finishNext();
  assert.equal(q.queue.size, 0);
});
