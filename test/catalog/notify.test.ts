/**
 * New-work announcements between processes: on PostgreSQL a planner's NOTIFY wakes `indexer worker --follow`; on
 * SQLite subscribing is a no-op (the caller polls) and announcing does nothing.
 */
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { announceNewTasks, onNewTasks } from '../../src/catalog/notify.js';
import { openCatalog } from '../../src/catalog/open.js';
import type { Db } from '../../src/catalog/sql.js';
import { forEachBackend, type Backend } from '../helpers/backends.js';
import { rearmFailed } from '../../src/catalog/tasks.js';
import { planTasks } from '../../src/tasks/plan.js';
import { addFile, addRoot, fakeStage } from '../tasks/helpers.js';

/** Two connections to one new catalog: a worker subscribed to new-task announcements, and a planner. */
function listening(backend: Backend, t: TestContext) {
  const target = backend.target(t);
  const worker = openCatalog(target) as unknown as Db;
  const planner = openCatalog(target) as unknown as Db;
  t.after(() => void (worker.close(), planner.close()));
  let wakes = 0;
  const off = onNewTasks(worker, () => wakes++);
  /** Waits for the expected wake-ups on postgres (none ever come on SQLite), then checks no extra one came. */
  const settle = async (expected: number) => {
    const deadline = Date.now() + 5000;
    while (backend.name === 'postgres' && wakes < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(wakes, backend.name === 'postgres' ? expected : 0);
  };
  return { planner, off, settle };
}

forEachBackend((backend) => {
  it('a second connection announcing new tasks wakes the subscriber on postgres only; unsubscribing stops it', async (t) => {
    const { planner, off, settle } = listening(backend, t);
    planner.transaction(() => announceNewTasks(planner))();
    await settle(1);
    off();
    announceNewTasks(planner);
    await settle(1);
  });

  it('planning new tasks and `retry` re-arming failed ones wake a listening worker on postgres; planning nothing does not', async (t) => {
    const { planner, off, settle } = listening(backend, t);
    t.after(off);
    const root = addRoot(planner, '/lib');
    const file = addFile(planner, root, { path: '/lib/a.jpg' });
    const stage = fakeStage('thumbnail');
    planTasks(planner, [stage], { now: 1, priority: null });
    await settle(1);
    planTasks(planner, [stage], { now: 2, priority: null }); // nothing new: no wake-up
    await settle(1);
    planner.prepare(`UPDATE tasks SET state = 'failed' WHERE file_id = ?`).run(file);
    assert.equal(rearmFailed(planner, { now: 3 }), 1);
    await settle(2);
  });
});
