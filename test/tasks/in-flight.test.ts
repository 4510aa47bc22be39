/** The pool's work and its --task-timeout timers (tasks/in-flight.ts), with timers fired by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClaimedTask } from '../../src/catalog/tasks.js';
import { InFlightTable, type Timers } from '../../src/tasks/in-flight.js';

function task(id: number): ClaimedTask {
  return { id, fileId: id, stage: 's', path: `/r/${id}.jpg`, kind: 'image', ext: 'jpg', size: 1, mtimeMs: 0, identity: `i${id}`, sidecarPath: null, attempts: 0, maxAttempts: 3, fingerprint: 'f' };
}

/** Timers that only fire when the test says so; `armed` lists the timeouts in force. */
function manualTimers(): Timers & { armed: Map<number, { fn: () => void; ms: number }>; fire(): void } {
  let next = 0;
  const armed = new Map<number, { fn: () => void; ms: number }>();
  return {
    armed,
    set: (fn, ms) => (armed.set(++next, { fn, ms }), next),
    clear: (h) => void armed.delete(h as number),
    fire() {
      for (const [h, t] of [...armed]) (armed.delete(h), t.fn());
    },
  };
}

test('only the tasks running on a thread have a timeout; the next one gets its own when a thread frees up', () => {
  const timers = manualTimers();
  const table = new InFlightTable(2, 1000, timers);
  const [a, b, c] = [table.add(task(1), false), table.add(task(2), false), table.add(task(3), false)];
  assert.equal(timers.armed.size, 2, 'two threads: the third task waits in the queue without a clock');
  table.remove(a);
  assert.equal(timers.armed.size, 2, 'the finished task gave its timer up, the queued one got one');
  assert.deepEqual([...timers.armed.values()].map((t) => t.ms), [1000, 1000]);
  timers.fire();
  assert.equal(b.timedOut && c.timedOut, true);
  assert.equal(b.controller.signal.aborted && c.controller.signal.aborted, true);
});

test('a batched task is timed from when the pool says it started, and does not count as queued', () => {
  const timers = manualTimers();
  const table = new InFlightTable(1, 500, timers);
  const batched = table.add(task(1), true);
  const plain = table.add(task(2), false);
  assert.equal(timers.armed.size, 1, 'only the unbatched task, running on the one thread, is timed');
  assert.deepEqual(table.occupancy(), { inPool: 2, batchedInPool: 1 });
  table.started(batched);
  table.started(batched);
  assert.equal(timers.armed.size, 2, 'armed once, however often the start is reported');
  table.remove(batched);
  table.remove(plain);
  assert.equal(timers.armed.size, 0);
  assert.deepEqual(table.occupancy(), { inPool: 0, batchedInPool: 0 });
});

test('without --task-timeout nothing is timed; abortAll aborts everything in flight without marking a timeout', () => {
  const timers = manualTimers();
  const table = new InFlightTable(4, undefined, timers);
  const entries = [1, 2, 3].map((id) => table.add(task(id), id === 3));
  table.started(entries[2]!);
  assert.equal(timers.armed.size, 0);
  table.abortAll();
  assert.deepEqual(entries.map((e) => [e.controller.signal.aborted, e.timedOut]), [[true, false], [true, false], [true, false]]);
  assert.equal(table.size, 3, 'they stay until the pool answers');
});

test('a task answered before its start was reported is not armed afterwards', () => {
  const timers = manualTimers();
  const table = new InFlightTable(1, 500, timers);
  const entry = table.add(task(1), true);
  table.remove(entry);
  table.started(entry);
  assert.equal(timers.armed.size, 0);
});
