/** The per-lane bound on in-flight work (tasks/lane-budget.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dryMs, LaneBudget } from '../../src/tasks/lane-budget.js';
import { fakeStage } from './helpers.js';

const empty = { inPool: 0, batchedInPool: 0 };

test('an unbatched lane claims up to twice the threads, then waits until half the pool queue is free', () => {
  const budget = new LaneBudget([fakeStage('thumb', { lane: 'cpu' })], { threads: 4 });
  assert.equal(budget.room('cpu', empty), 8);
  for (let i = 0; i < 8; i++) budget.take('cpu');
  assert.equal(budget.room('cpu', { inPool: 8, batchedInPool: 0 }), 0);
  // Three answered: still more than `threads` queued or running, so no claim for a handful.
  for (let i = 0; i < 3; i++) budget.release('cpu');
  assert.equal(budget.room('cpu', { inPool: 5, batchedInPool: 0 }), 0);
  budget.release('cpu');
  assert.equal(budget.room('cpu', { inPool: 4, batchedInPool: 0 }), 4);
});

test('lanes share the pool queue: work of one lane in the pool leaves less room for another', () => {
  const budget = new LaneBudget([], { threads: 2 });
  assert.equal(budget.room('inference', empty), 4);
  for (let i = 0; i < 3; i++) budget.take('cpu');
  assert.equal(budget.room('inference', { inPool: 3, batchedInPool: 0 }), 0);
  assert.equal(budget.room('inference', { inPool: 2, batchedInPool: 0 }), 2);
});

test('a pool that batches small tasks gets the meta lane deeper, counted apart from the unbatched queue', () => {
  const budget = new LaneBudget([], { threads: 2, batchDepthPerThread: 64 });
  assert.equal(budget.batched('meta'), true);
  assert.equal(budget.batched('cpu'), false);
  assert.equal(budget.room('meta', { inPool: 4, batchedInPool: 0 }), 128);
  for (let i = 0; i < 100; i++) budget.take('meta');
  // 28 free of 128: under half, so it waits for more to come back.
  assert.equal(budget.room('meta', { inPool: 100, batchedInPool: 100 }), 0);
  for (let i = 0; i < 40; i++) budget.release('meta');
  assert.equal(budget.room('meta', { inPool: 60, batchedInPool: 60 }), 68);
  // The batched tasks do not use up the unbatched lanes' queue.
  assert.equal(budget.room('cpu', { inPool: 60, batchedInPool: 60 }), 4);
});

test('a batch stage gets room for two of its batches in its lane', () => {
  const stage = fakeStage('clip', { lane: 'inference', batch: { maxSize: 16, maxWaitMs: 500, run: async () => [] } });
  const budget = new LaneBudget([stage], { threads: 2 });
  for (let i = 0; i < 20; i++) budget.take('inference');
  // 20 waiting in the batch step, none in the pool: 12 more fit under 32, of which the pool queue takes 4.
  assert.equal(budget.room('inference', empty), 4);
  assert.equal(budget.busyIn('inference'), 20);
  assert.equal(new LaneBudget([stage], { threads: 100 }).room('inference', empty), 200);
});

test('a lane marked dry is not asked again until its time passes or all are made wet', () => {
  const budget = new LaneBudget([], { threads: 1 });
  budget.markDry('meta', 1000);
  assert.equal(budget.isDry('meta', 1000 + dryMs - 1), true);
  assert.equal(budget.isDry('cpu', 1000), false);
  assert.equal(budget.anyDry(1000), true);
  assert.equal(budget.isDry('meta', 1000 + dryMs), false);
  budget.wetAll();
  assert.equal(budget.anyDry(1000), false);
});
