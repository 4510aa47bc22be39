/**
 * The worker loop between rounds, driven by fakes (the rounds themselves are the real engine in the e2e tests):
 * reconnect backoff, waking for new work, --max-duration over rounds, and --path-map's mapping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWorkerLoop, reconnectDelayMs, type WorkerLoopDeps, type WorkLook } from '../../src/tasks/worker-loop.js';
import { parsePathMaps, pathMapper } from '../../src/tasks/path-map.js';
import { UserError } from '../../src/errors.js';
import { FakeClock } from './helpers.js';
import type { Phase2Result } from '../../src/tasks/phase2.js';

class Unavailable extends Error {}

function summary(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { run: 1, outcome: 'complete', stages: { thumbnail: { done: 1, failed: 0, skipped: 0, pending: 0 } }, done: 1, pending: 0, ...over };
}

/** A loop whose rounds and looks come from scripts; sleeping advances the fake clock. */
function fakeLoop(over: Partial<WorkerLoopDeps> & { rounds: (() => Record<string, unknown>)[]; looks?: (() => WorkLook)[] }) {
  const clock = new FakeClock();
  const lines: string[] = [];
  const slept: number[] = [];
  const controller = new AbortController();
  let round = 0;
  let look = 0;
  const deps: WorkerLoopDeps = {
    clock,
    signal: controller.signal,
    follow: false,
    waitForHolders: false,
    pollMs: 1_000,
    round: async () => {
      const next = over.rounds[round++];
      if (!next) throw new Error(`no round ${round} scripted`);
      // Scripted summaries carry only the fields the loop reads.
      return { result: { exitCode: 0, summary: next() as unknown as Phase2Result['summary'] }, scansBefore: 's1' };
    },
    look: () => {
      const next = over.looks?.[look++];
      if (!next) throw new Error(`no look ${look} scripted`);
      return next();
    },
    idle: async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    },
    isUnavailable: (err) => err instanceof Unavailable,
    reconnect: async () => {},
    notice: (l) => lines.push(l),
    sleep: async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    },
    ...over,
  };
  return { deps, clock, lines, slept, controller, rounds: () => round };
}

test('reconnect delays: 1 s doubling to 30 s', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 20].map(reconnectDelayMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test('a lost server: claiming stops, a line per retry with backoff, the worker goes on once it is back', async () => {
  let down = 4;
  const f = fakeLoop({
    rounds: [
      () => {
        throw new Unavailable('connect ECONNREFUSED 127.0.0.1:5432');
      },
      () => summary({ done: 3 }),
    ],
    reconnect: async () => {
      if (--down > 0) throw new Unavailable('connect ECONNREFUSED 127.0.0.1:5432');
    },
  });
  const out = await runWorkerLoop(f.deps);
  assert.equal(out.exitCode, 0);
  assert.equal(out.summary.done, 3);
  assert.deepEqual(f.slept, [1000, 2000, 4000, 8000]);
  assert.equal(f.lines.filter((l) => /lost the catalog server \(connect ECONNREFUSED 127.0.0.1:5432\)/.test(l)).length, 4);
  assert.match(f.lines.at(-1)!, /back; going on/);
});

test('an error that is not a lost server is not retried', async () => {
  const f = fakeLoop({
    rounds: [
      () => {
        throw new Error('boom');
      },
    ],
  });
  await assert.rejects(runWorkerLoop(f.deps), /boom/);
});

test('--follow: idle until a scan starts or ends or pending work rises, then another round; others claiming is no reason', async () => {
  const look = (scans: string, pending: number): (() => WorkLook) => () => ({ scans, pending, running: 0, firstExpiry: null, claimable: false });
  let idles = 0;
  const f = fakeLoop({
    follow: true,
    onIdle: () => idles++,
    rounds: [() => summary({ pending: 5 }), () => summary({ pending: 0 }), () => summary({ pending: 0 })],
    // After round 1: others claim (5 -> 2), nothing new; then a retry re-arms (2 -> 3): round 2. After it: a scan.
    looks: [look('s1', 5), look('s1', 2), look('s1', 3), look('s1', 0), look('s2', 0), look('s2', 0)],
  });
  const stopAfterThird = f.deps.round;
  f.deps.round = async (limits) => {
    const r = await stopAfterThird(limits);
    if (f.rounds() === 3) f.controller.abort();
    return r;
  };
  const out = await runWorkerLoop(f.deps);
  assert.equal(f.rounds(), 3);
  assert.equal(out.exitCode, 130);
  assert.equal(out.summary.outcome, 'interrupted');
  assert.equal(out.summary.rounds, 3);
  assert.equal(idles, 2, 'told once per idle spell');
});

test('holders: without --follow a PostgreSQL worker waits for tasks others hold, and takes them back when a lease runs out', async () => {
  const clock0 = new FakeClock().now();
  const f = fakeLoop({
    waitForHolders: true,
    rounds: [() => summary(), () => summary({ done: 2 })],
    looks: [
      () => ({ scans: 's1', pending: 0, running: 2, firstExpiry: clock0 + 1_500, claimable: false }),
      () => ({ scans: 's1', pending: 0, running: 2, firstExpiry: clock0 + 1_500, claimable: false }),
      () => ({ scans: 's1', pending: 0, running: 2, firstExpiry: clock0 + 1_500, claimable: false }),
      () => ({ scans: 's1', pending: 0, running: 0, firstExpiry: null, claimable: false }),
    ],
  });
  const out = await runWorkerLoop(f.deps);
  assert.equal(out.exitCode, 0);
  assert.equal(f.rounds(), 2, 'a second round after the lease expired');
  assert.equal(out.summary.done, 3);
  assert.deepEqual(f.slept, [1_000, 550], 'polled, then woke just past the expiry');
});

test('claimable tasks left after a round (met locked by another worker): never done past them, back after a growing pause', async () => {
  const look = (claimable: boolean, running = 0): (() => WorkLook) => () => ({ scans: 's1', pending: 5, running, firstExpiry: null, claimable });
  const f = fakeLoop({
    waitForHolders: true,
    // Round 1 worked and met the rest locked; rounds 2 and 3 found them still locked; round 4 took them.
    rounds: [() => summary({ pending: 5 }), () => summary({ done: 0, pending: 5 }), () => summary({ done: 0, pending: 5 }), () => summary({ done: 5, pending: 0 })],
    looks: [look(true), look(true), look(true), () => ({ scans: 's1', pending: 0, running: 0, firstExpiry: null, claimable: false })],
  });
  const out = await runWorkerLoop(f.deps);
  assert.equal(out.exitCode, 0);
  assert.equal(f.rounds(), 4, 'came back until the tasks were taken');
  assert.equal(out.summary.done, 6);
  assert.deepEqual(f.slept, [100, 200], 'at once after a round that worked, then a growing pause');
});

test('a paused stage\'s tasks do not bring the worker back: only the stages the round could run count', async () => {
  const seen: string[][] = [];
  const f = fakeLoop({
    waitForHolders: true,
    rounds: [() => summary({ paused: { clip: 'no model' }, stages: { thumbnail: { done: 1 }, clip: { done: 0 } }, pending: 4 })],
    looks: [() => ({ scans: 's1', pending: 4, running: 0, firstExpiry: null, claimable: false })],
  });
  const inner = f.deps.look;
  f.deps.look = (stages, runnable) => (seen.push([...stages], [...runnable]), inner(stages, runnable));
  const out = await runWorkerLoop(f.deps);
  assert.equal(out.exitCode, 0);
  assert.equal(f.rounds(), 1);
  assert.deepEqual(seen, [['thumbnail', 'clip'], ['thumbnail']]);
});

test('--max-duration counts over all rounds', async () => {
  const f = fakeLoop({ follow: true, maxDurationMs: 2_500, rounds: [() => summary()], looks: Array(10).fill(() => ({ scans: 's1', pending: 0, running: 0, firstExpiry: null, claimable: false })) });
  const limits: unknown[] = [];
  const inner = f.deps.round;
  f.deps.round = (l) => (limits.push(l), inner(l));
  const out = await runWorkerLoop(f.deps);
  assert.equal(out.exitCode, 0);
  assert.equal(out.summary.outcome, 'limit');
  assert.deepEqual(limits, [{ maxDurationMs: 2_500, maxTasks: undefined }]);
  assert.deepEqual(f.slept, [1_000, 1_000, 500]);
});

test('--path-map: longest prefix wins, whole path components only, identity without mappings', () => {
  const map = pathMapper(parsePathMaps(['/mnt/nas=/Volumes/nas', '/mnt/nas/photos/=/Volumes/photos', '/srv=/data/srv']));
  assert.equal(map('/mnt/nas/photos/a.jpg'), '/Volumes/photos/a.jpg');
  assert.equal(map('/mnt/nas/video/b.mp4'), '/Volumes/nas/video/b.mp4');
  assert.equal(map('/mnt/nas'), '/Volumes/nas');
  assert.equal(map('/mnt/nasty/c.jpg'), '/mnt/nasty/c.jpg');
  assert.equal(map('/home/u/d.jpg'), '/home/u/d.jpg');
  assert.equal(pathMapper(parsePathMaps(['/=/mnt/root']))('/x/y.jpg'), '/mnt/root/x/y.jpg');
  assert.equal(pathMapper([])('/x'), '/x');
  for (const bad of ['nas', '/a=', '=/b', 'rel=/b', '/a=rel']) {
    assert.throws(() => parsePathMaps([bad]), (e: unknown) => e instanceof UserError && e.code === 2 && e.message.startsWith(`--path-map '${bad}'`));
  }
  assert.throws(() => parsePathMaps(['/a=/b', '/a/=/c']), /already mapped to \/b/);
});
