/** What the runner claims next (tasks/claim-policy.ts), against a fake catalog and pool. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClaimedTask } from '../../src/catalog/tasks.js';
import type { Lane } from '../../src/extract/stage.js';
import { ClaimPolicy, type ClaimPort } from '../../src/tasks/claim-policy.js';
import { dryMs, LaneBudget } from '../../src/tasks/lane-budget.js';
import { fakeStage, FakeClock } from './helpers.js';

const stageLane: Record<string, Lane> = { thumb: 'cpu', exif: 'meta', clip: 'inference' };
const stages = Object.entries(stageLane).map(([name, lane]) => fakeStage(name, { lane }));

function task(id: number, stage: string): ClaimedTask {
  return { id, fileId: id, stage, path: `/r/${id}.jpg`, kind: 'image', ext: 'jpg', size: 1, mtimeMs: 0, identity: `i${id}`, sidecarPath: null, attempts: 0, maxAttempts: 3, fingerprint: 'f' };
}

/** A catalog holding PENDING tasks per stage (and SUSPECTS), and a pool that keeps whatever is dispatched. */
function fakePort(budget: LaneBudget, pending: Record<string, number>, suspects: string[] = []) {
  let id = 0;
  const calls: { stages: string[]; limit: number; suspect: boolean }[] = [];
  const dispatched: { task: ClaimedTask; isolated: boolean }[] = [];
  const port: ClaimPort = {
    claim(names, limit, suspect) {
      calls.push({ stages: names, limit, suspect });
      const out: ClaimedTask[] = [];
      if (suspect) {
        while (out.length < limit && suspects.length) out.push(task(++id, suspects.shift()!));
        return out;
      }
      for (const s of names) while (out.length < limit && (pending[s] ?? 0) > 0) (pending[s]!--, out.push(task(++id, s)));
      return out;
    },
    stagesIn: (lane) => stages.filter((s) => lane === null || s.lane === lane).map((s) => s.name),
    dispatch(t, isolated) {
      dispatched.push({ task: t, isolated });
      budget.take(stageLane[t.stage]!);
    },
    occupancy: () => ({ inPool: dispatched.length, batchedInPool: 0 }),
  };
  /** The pool answered everything dispatched so far. */
  const answerAll = () => {
    for (const d of dispatched.splice(0)) budget.release(stageLane[d.task.stage]!);
  };
  return { port, calls, dispatched, answerAll };
}

test('a suspect runs alone, and only once nothing else is in flight; other work waits until it is committed', () => {
  const budget = new LaneBudget(stages, { threads: 2 });
  const f = fakePort(budget, { thumb: 10 }, ['exif']);
  const policy = new ClaimPolicy(budget, f.port, new FakeClock());
  policy.fill(Infinity, false);
  assert.equal(f.calls.length, 0, 'work in flight: no suspect is claimed beside it');
  policy.fill(Infinity, true);
  assert.deepEqual(f.dispatched.map((d) => [d.task.stage, d.isolated]), [['exif', true]]);
  policy.fill(Infinity, true);
  assert.equal(f.dispatched.length, 1, 'nothing else while the suspect runs');
  policy.settled();
  f.answerAll();
  policy.fill(Infinity, true);
  assert.equal(f.calls.filter((c) => c.suspect).length, 2, 'looked for another suspect first');
  assert.deepEqual(f.dispatched.map((d) => d.isolated), [false, false, false, false]);
});

test('lanes are filled up to their room and --max-tasks, the first lane taking turns', () => {
  const budget = new LaneBudget(stages, { threads: 2 });
  const f = fakePort(budget, { thumb: 10, exif: 10, clip: 10 });
  const policy = new ClaimPolicy(budget, f.port, new FakeClock());
  policy.fill(6, true);
  assert.deepEqual(f.dispatched.map((d) => d.task.stage), ['thumb', 'thumb', 'thumb', 'thumb'], 'the pool queue (2 per thread) is full');
  assert.deepEqual(f.calls.filter((c) => !c.suspect).map((c) => [c.stages, c.limit]), [[['thumb'], 4]]);
  f.answerAll();
  f.calls.length = 0;
  policy.fill(Infinity, true);
  assert.deepEqual(f.calls.map((c) => [c.stages, c.limit]), [[['exif'], 4]], 'the next fill starts at the next lane');
  f.answerAll();
  f.calls.length = 0;
  policy.fill(3, true);
  assert.deepEqual(f.calls.map((c) => [c.stages, c.limit]), [[['clip'], 3]], 'no more than --max-tasks leaves');
  f.answerAll();
  policy.fill(0, true);
  assert.equal(f.calls.length, 1, 'nothing is claimed once --max-tasks is used up');
});

test('a lane whose claim came back short is skipped until its dry time has passed', () => {
  const clock = new FakeClock();
  const budget = new LaneBudget(stages, { threads: 2 });
  const f = fakePort(budget, { thumb: 1 });
  const policy = new ClaimPolicy(budget, f.port, clock);
  policy.fill(Infinity, true);
  assert.deepEqual(f.dispatched.map((d) => d.task.stage), ['thumb']);
  const asked = f.calls.length;
  f.answerAll();
  policy.fill(Infinity, true);
  assert.equal(f.calls.length, asked, 'every lane came back short: none is asked again at once');
  clock.advance(dryMs);
  policy.fill(Infinity, true);
  assert.equal(f.calls.length, asked + 3);
});

test('after lookForSuspects the next fill looks for a suspect before other work', () => {
  const budget = new LaneBudget(stages, { threads: 2 });
  const f = fakePort(budget, {}, []);
  const policy = new ClaimPolicy(budget, f.port, new FakeClock());
  policy.fill(Infinity, true);
  const suspectCalls = () => f.calls.filter((c) => c.suspect).length;
  assert.equal(suspectCalls(), 1);
  budget.wetAll();
  policy.fill(Infinity, true);
  assert.equal(suspectCalls(), 1, 'none was found: no more looking');
  policy.lookForSuspects();
  policy.fill(Infinity, true);
  assert.equal(suspectCalls(), 2);
});
