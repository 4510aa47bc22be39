import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { planTasks, recoverDeadOwners } from '../../src/tasks/plan.js';
import { TaskStore } from '../../src/catalog/tasks.js';
import { startRun } from '../../src/catalog/runs.js';
import { addFile, addRoot, fakeStage, FakeClock, tempCatalog } from '../tasks/helpers.js';

const HERE = 'indexer-test-here';
const ELSEWHERE = 'indexer-test-elsewhere';

function setup() {
  const { db } = tempCatalog();
  const clock = new FakeClock();
  const root = addRoot(db, '/r');
  for (let i = 0; i < 4; i++) addFile(db, root, { path: `/r/${i}.jpg` });
  planTasks(db, [fakeStage('one')], { now: clock.now(), priority: null });
  return { db, clock, store: new TaskStore(db) };
}

test('a run records the host it started on (os.hostname() unless given)', () => {
  const { db, clock } = setup();
  const mine = startRun(db, { command: 'scan', pid: 1, stages: ['one'], now: clock.now() });
  const theirs = startRun(db, { command: 'worker', pid: 2, stages: ['one'], now: clock.now(), host: ELSEWHERE });
  const hosts = db.prepare(`SELECT id, host FROM runs ORDER BY id`).all();
  assert.deepEqual(hosts, [
    { id: mine, host: os.hostname() },
    { id: theirs, host: ELSEWHERE },
  ]);
});

test("recovery judges pids only on this host: another host's tasks come back only when their lease expires", () => {
  const { db, clock, store } = setup();
  const local = startRun(db, { command: 'worker', pid: 111, stages: ['one'], now: clock.now(), host: HERE });
  const remote = startRun(db, { command: 'worker', pid: 222, stages: ['one'], now: clock.now(), host: ELSEWHERE });
  store.claim({ runId: local, pid: 111, leaseMs: 60_000, stages: ['one'], limit: 2, now: clock.now(), suspect: false });
  store.claim({ runId: remote, pid: 222, leaseMs: 60_000, stages: ['one'], limit: 2, now: clock.now(), suspect: false });
  // Neither pid runs here: only the local one is known dead; 222 on the other host may well be alive.
  const noneAlive = () => false;
  const opts = { currentRunId: null, pid: 333, isAlive: noneAlive, host: HERE };
  assert.deepEqual(recoverDeadOwners(db, store, { ...opts, now: clock.now() }), { recovered: 2, quarantined: 0 });
  const leases = db.prepare(`SELECT lease_run AS run, state FROM tasks WHERE state = 'running' ORDER BY id`).all();
  assert.deepEqual(leases, [
    { run: remote, state: 'running' },
    { run: remote, state: 'running' },
  ]);
  const outcomes = db.prepare(`SELECT id, outcome FROM runs ORDER BY id`).all();
  assert.deepEqual(outcomes, [
    { id: local, outcome: 'crashed' },
    { id: remote, outcome: 'running' },
  ]);
  // Its lease running out is what brings the other host's work back.
  clock.advance(59_999);
  assert.equal(recoverDeadOwners(db, store, { ...opts, now: clock.now() }).recovered, 0);
  clock.advance(1);
  assert.equal(recoverDeadOwners(db, store, { ...opts, now: clock.now() }).recovered, 2);
  assert.equal(db.prepare(`SELECT count(*) FROM tasks WHERE state = 'pending'`).pluck().get(), 4);
});
