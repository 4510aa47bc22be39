/** When the run stops claiming (tasks/stop-reason.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stopReason } from '../../src/tasks/stop-reason.js';

const going = { stop: null, aborted: false, started: 1000, claimed: 0 };

test('without limits or a signal the run goes on', () => {
  assert.equal(stopReason(going, 1e12, {}), null);
});

test('--max-duration stops the run once that much time has passed since it started', () => {
  assert.equal(stopReason(going, 1999, { maxDurationMs: 1000 }), null);
  assert.equal(stopReason(going, 2000, { maxDurationMs: 1000 }), 'max-duration');
});

test('--max-tasks stops the run once that many tasks were claimed', () => {
  assert.equal(stopReason({ ...going, claimed: 4 }, 1000, { maxTasks: 5 }), null);
  assert.equal(stopReason({ ...going, claimed: 5 }, 1000, { maxTasks: 5 }), 'max-tasks');
});

test('an interrupt wins over limits reached at the same moment', () => {
  assert.equal(stopReason({ ...going, aborted: true, claimed: 5 }, 5000, { maxTasks: 5, maxDurationMs: 1 }), 'interrupted');
});

test('a run that stopped keeps its first reason, even when interrupted later', () => {
  assert.equal(stopReason({ ...going, stop: 'max-tasks', aborted: true }, 1000, {}), 'max-tasks');
  assert.equal(stopReason({ ...going, stop: 'max-duration', claimed: 9 }, 1000, { maxTasks: 1 }), 'max-duration');
});
