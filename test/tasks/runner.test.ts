/** The scheduler loop driven by an in-process fake pool (real catalog, real SQL). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTasks } from '../../src/tasks/plan.js';
import { TaskStore } from '../../src/catalog/tasks.js';
import { startRun } from '../../src/catalog/runs.js';
import { defaultTuning, runTasks, type RunnerLimits } from '../../src/tasks/runner.js';
import type { TaskPool, PoolResult } from '../../src/tasks/pool.js';
import type { StageDefinition, StageOutcome, TaskInput } from '../../src/extract/stage.js';
import type { EngineEvents } from '../../src/tasks/events.js';
import { systemClock } from '../../src/types.js';
import { addFile, addRoot, fakeStage, tempCatalog } from './helpers.js';

type Handler = (input: TaskInput, signal: AbortSignal) => Promise<StageOutcome> | StageOutcome;

function fakePool(threads: number, handler: Handler): TaskPool & { maxConcurrent: number; calls: TaskInput[] } {
  let active = 0;
  const pool = {
    threads,
    maxConcurrent: 0,
    calls: [] as TaskInput[],
    async run(req: { input: TaskInput }, signal: AbortSignal): Promise<PoolResult> {
      active++;
      pool.maxConcurrent = Math.max(pool.maxConcurrent, active);
      pool.calls.push(req.input);
      try {
        const aborted = new Promise<PoolResult>((resolve) => signal.addEventListener('abort', () => resolve({ aborted: true })));
        return await Promise.race([Promise.resolve(handler(req.input, signal)).then((outcome) => ({ outcome })), aborted]);
      } finally {
        active--;
      }
    },
    async close() {},
  };
  return pool;
}

function recorder(): EngineEvents & { failed: string[]; paused: string[] } {
  const r = { failed: [] as string[], paused: [] as string[], progress() {}, taskFailed: (e: { path: string }) => r.failed.push(e.path), stagePaused: (e: { stage: string }) => r.paused.push(e.stage) };
  return r;
}

function setup(n: number, stages: StageDefinition[]) {
  const { db } = tempCatalog();
  const root = addRoot(db, '/r');
  for (let i = 0; i < n; i++) addFile(db, root, { path: `/r/${String(i).padStart(3, '0')}.jpg` });
  planTasks(db, stages, { now: systemClock.now(), priority: null });
  const runId = startRun(db, { command: 'test', pid: process.pid, stages: stages.map((s) => s.name), now: 0 });
  return { db, store: new TaskStore(db), runId };
}

async function run(
  s: ReturnType<typeof setup>,
  stages: StageDefinition[],
  pool: TaskPool,
  opts: { limits?: RunnerLimits; signal?: AbortSignal; events?: EngineEvents; paused?: Map<string, string> } = {},
) {
  return runTasks({
    db: s.db,
    store: s.store,
    stages,
    paused: opts.paused ?? new Map(),
    pool,
    clock: systemClock,
    runId: s.runId,
    pid: process.pid,
    cacheDir: '/tmp',
    signal: opts.signal ?? new AbortController().signal,
    limits: opts.limits ?? {},
    tuning: { ...defaultTuning, backoff: { baseMs: 5, capMs: 20 }, drainMs: 50 },
    events: opts.events ?? recorder(),
    totals: { planned: 0, rearmed: 0, coalesced: 0, recovered: 0, done: 0, failed: 0, skipped: 0, released: 0 },
  });
}

const counts = (db: ReturnType<typeof setup>['db']) =>
  Object.fromEntries((db.prepare(`SELECT state, count(*) n FROM tasks GROUP BY state`).all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));

test('every task runs once, results are committed through the stage, in-flight work stays within the pool queue depth', async () => {
  const committed: number[] = [];
  const stages = [fakeStage('one', { commit: (_db, t) => committed.push(t.fileId) })];
  const s = setup(50, stages);
  const pool = fakePool(3, async () => ({ status: 'done', value: 1 }));
  const r = await run(s, stages, pool);
  assert.equal(r.stop, 'complete');
  assert.deepEqual(counts(s.db), { done: 50 });
  assert.equal(new Set(committed).size, 50);
  assert.equal(committed.length, 50);
  assert.ok(pool.maxConcurrent <= 6, `at most 2 per thread in the pool, saw ${pool.maxConcurrent}`);
});

test('a failure is retried after backoff; one that keeps failing ends failed after maxAttempts with an event', async () => {
  const tries = new Map<string, number>();
  const stages = [fakeStage('one', { maxAttempts: 3 })];
  const s = setup(3, stages);
  const events = recorder();
  const pool = fakePool(2, (input) => {
    const n = (tries.get(input.path) ?? 0) + 1;
    tries.set(input.path, n);
    if (input.path.endsWith('000.jpg') && n === 1) return { status: 'failed', reason: 'once' };
    if (input.path.endsWith('001.jpg')) return { status: 'failed', reason: `${input.path}: always` };
    return { status: 'done', value: null };
  });
  await run(s, stages, pool, { events });
  assert.equal(tries.get('/r/000.jpg'), 2);
  assert.equal(tries.get('/r/001.jpg'), 3);
  assert.deepEqual(counts(s.db), { done: 2, failed: 1 });
  assert.deepEqual(events.failed, ['/r/001.jpg']);
  const row = s.db.prepare(`SELECT reason, attempts FROM tasks t JOIN files f ON f.id = t.file_id WHERE f.path = '/r/001.jpg'`).get();
  assert.deepEqual(row, { reason: '/r/001.jpg: always', attempts: 3 });
});

test('a non-retryable failure fails at once', async () => {
  const stages = [fakeStage('one')];
  const s = setup(1, stages);
  const pool = fakePool(1, () => ({ status: 'failed', reason: 'corrupt', retryable: false }));
  await run(s, stages, pool);
  assert.equal(pool.calls.length, 1);
  assert.deepEqual(counts(s.db), { failed: 1 });
});

test('circuit breaker: a stage fault pauses the stage once, its tasks stay pending with attempts given back', async () => {
  const stages = [fakeStage('gpu'), fakeStage('other')];
  const s = setup(20, stages);
  const events = recorder();
  const pool = fakePool(2, (input) =>
    input.stage === 'gpu' ? { status: 'failed', reason: 'CUDA device lost', stageFault: true } : { status: 'done', value: null },
  );
  await run(s, stages, pool, { events });
  assert.deepEqual(events.paused, ['gpu']);
  const gpu = s.db.prepare(`SELECT state, max(attempts) a, count(*) n FROM tasks WHERE stage = 'gpu' GROUP BY state`).all();
  assert.deepEqual(gpu, [{ state: 'pending', a: 0, n: 20 }]);
  assert.ok(pool.calls.filter((c) => c.stage === 'gpu').length <= 4, 'only what was in flight: no attempts burnt after the pause');
  assert.equal((s.db.prepare(`SELECT count(*) n FROM tasks WHERE stage = 'other' AND state = 'done'`).get() as { n: number }).n, 20);
});

test('a stage paused by preflight claims nothing', async () => {
  const stages = [fakeStage('clip')];
  const s = setup(3, stages);
  const pool = fakePool(2, () => ({ status: 'done', value: null }));
  await run(s, stages, pool, { paused: new Map([['clip', 'no model installed']]) });
  assert.equal(pool.calls.length, 0);
  assert.deepEqual(counts(s.db), { pending: 3 });
});

test('--max-tasks stops cleanly after that many claims; the rest stays pending', async () => {
  const stages = [fakeStage('one')];
  const s = setup(10, stages);
  const pool = fakePool(2, () => ({ status: 'done', value: null }));
  const r = await run(s, stages, pool, { limits: { maxTasks: 4 } });
  assert.equal(r.stop, 'max-tasks');
  assert.deepEqual(counts(s.db), { done: 4, pending: 6 });
});

test('--max-duration stops claiming when reached; in-flight work finishes', async () => {
  const stages = [fakeStage('one')];
  const s = setup(200, stages);
  const pool = fakePool(2, async () => {
    await new Promise((r) => setTimeout(r, 10));
    return { status: 'done', value: null };
  });
  const r = await run(s, stages, pool, { limits: { maxDurationMs: 100 } });
  assert.equal(r.stop, 'max-duration');
  const c = counts(s.db);
  assert.ok(c.done > 0 && c.pending > 0, JSON.stringify(c));
  assert.equal(c.running, undefined);
});

test('interrupt: stop claiming, let in-flight work finish within the drain time, release the rest with attempts back', async () => {
  const stages = [fakeStage('one')];
  const s = setup(10, stages);
  const controller = new AbortController();
  const pool = fakePool(2, (input) =>
    input.path.endsWith('000.jpg')
      ? new Promise<StageOutcome>(() => {}) // never finishes: released after the drain time
      : new Promise<StageOutcome>((r) => setTimeout(() => r({ status: 'done', value: null }), 20)),
  );
  setTimeout(() => controller.abort(), 30);
  const r = await run(s, stages, pool, { signal: controller.signal });
  assert.equal(r.stop, 'interrupted');
  const stuck = s.db.prepare(`SELECT state, attempts, lease_run FROM tasks WHERE file_id = 1`).get();
  assert.deepEqual(stuck, { state: 'pending', attempts: 0, lease_run: null });
  const c = counts(s.db);
  assert.ok(c.done >= 1 && c.pending >= 1 && !c.running, JSON.stringify(c));
});

test('task timeout: the task fails with that reason, not retried', async () => {
  const stages = [fakeStage('one')];
  const s = setup(2, stages);
  const pool = fakePool(2, (input) =>
    input.path.endsWith('000.jpg') ? new Promise<StageOutcome>(() => {}) : { status: 'done', value: null },
  );
  await run(s, stages, pool, { limits: { taskTimeoutMs: 50 } });
  const row = s.db.prepare(`SELECT state, reason FROM tasks WHERE file_id = 1`).get() as { state: string; reason: string };
  assert.equal(row.state, 'failed');
  assert.match(row.reason, /timed out after 50ms \(--task-timeout\)/, 'a limit under a second is not "0s"');
});

test('suspects (their owner died running them) run one at a time before anything else', async () => {
  const stages = [fakeStage('one')];
  const s = setup(12, stages);
  s.db.prepare(`UPDATE tasks SET suspect = 1 WHERE file_id <= 4`).run();
  const order: number[] = [];
  const concurrentWithSuspect: number[] = [];
  let active = 0;
  const pool = fakePool(4, async (input) => {
    active++;
    order.push(input.fileId);
    await new Promise((r) => setTimeout(r, 2));
    if (input.fileId <= 4) concurrentWithSuspect.push(active);
    active--;
    return { status: 'done', value: null };
  });
  await run(s, stages, pool);
  assert.deepEqual(order.slice(0, 4), [1, 2, 3, 4]);
  assert.deepEqual(concurrentWithSuspect, [1, 1, 1, 1], 'each suspect ran alone');
  assert.ok(pool.maxConcurrent > 1, 'the others ran in parallel');
  assert.deepEqual(counts(s.db), { done: 12 });
  assert.equal((s.db.prepare(`SELECT count(*) n FROM tasks WHERE suspect = 1`).get() as { n: number }).n, 0);
});

/** A CLIP-like stage: batches of up to 4 (or 20 ms old) through `run`, `maxRunning` of them at once. */
function batchStage(run: NonNullable<StageDefinition['batch']>['run'], over: Partial<StageDefinition> = {}, maxRunning?: number): StageDefinition {
  return fakeStage('clip', { lane: 'inference', batch: { maxSize: 4, maxWaitMs: 20, ...(maxRunning && { maxRunning }), run }, ...over });
}

test('a batch stage runs worker values through batch.run before commit, in batches up to maxSize', async () => {
  const sizes: number[] = [];
  const committed: unknown[] = [];
  const stages = [
    batchStage(async (items) => {
      sizes.push(items.length);
      return items.map((i) => ({ status: 'done' as const, value: `embedded ${String(i.value)}` }));
    }, { commit: (_db, _t, v) => committed.push(v) }),
  ];
  const s = setup(10, stages);
  const pool = fakePool(2, (input) => ({ status: 'done', value: input.fileId }));
  await run(s, stages, pool);
  assert.deepEqual(counts(s.db), { done: 10 });
  assert.equal(sizes.reduce((a, b) => a + b, 0), 10);
  assert.ok(sizes.every((n) => n <= 4));
  assert.ok(committed.every((v) => String(v).startsWith('embedded ')));
});

for (const how of ['interrupt', 'max-duration'] as const) {
  test(`a batch stage with two batches at once stops cleanly (${how}): every task done or back to pending, none running`, async () => {
    let running = 0;
    let most = 0;
    const stages = [
      batchStage(
        async (items) => {
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 25));
          running--;
          return items.map(() => ({ status: 'done' as const, value: null }));
        },
        {},
        2,
      ),
    ];
    const s = setup(80, stages);
    const controller = new AbortController();
    if (how === 'interrupt') setTimeout(() => controller.abort(), 80);
    const pool = fakePool(2, () => ({ status: 'done', value: null }));
    const r = await run(s, stages, pool, { signal: controller.signal, ...(how === 'max-duration' && { limits: { maxDurationMs: 80 } }) });
    assert.equal(r.stop, how === 'interrupt' ? 'interrupted' : 'max-duration');
    const c = counts(s.db);
    assert.equal((c.done ?? 0) + (c.pending ?? 0), 80, JSON.stringify(c));
    assert.ok(c.done! > 0 && c.pending! > 0 && !c.running, JSON.stringify(c));
    assert.equal(most, 2, 'two batches ran at once, never more');
  });
}

test('a stage commit that throws fails that task only; its partial writes are rolled back', async () => {
  const stages = [
    fakeStage('one', {
      commit: (db, t) => {
        db.prepare(`UPDATE files SET sidecar_path = 'touched' WHERE id = ?`).run(t.fileId);
        if (t.fileId === 2) throw new Error('constraint failed');
      },
    }),
  ];
  const s = setup(3, stages);
  await run(s, stages, fakePool(1, () => ({ status: 'done', value: null })));
  const rows = s.db.prepare(`SELECT f.id, f.sidecar_path p, t.state FROM files f JOIN tasks t ON t.file_id = f.id ORDER BY f.id`).all();
  assert.deepEqual(rows, [
    { id: 1, p: 'touched', state: 'done' },
    { id: 2, p: null, state: 'failed' },
    { id: 3, p: 'touched', state: 'done' },
  ]);
});

test('the task-timeout clock starts when a task starts running, not while it waits in the pool queue', async () => {
  const stages = [fakeStage('one')];
  const s = setup(4, stages);
  // A pool of one thread that really queues: tasks run one after another, first in, first out.
  let chain: Promise<unknown> = Promise.resolve();
  const inner = fakePool(1, () => new Promise<StageOutcome>((r) => setTimeout(() => r({ status: 'done', value: null }), 60)));
  const queued: TaskPool = {
    threads: 1,
    run: (req, signal) => {
      const p = chain.then(() => (signal.aborted ? { aborted: true as const } : inner.run(req, signal)));
      chain = p.catch(() => {});
      return p;
    },
    close: async () => {},
  };
  await run(s, stages, queued, { limits: { taskTimeoutMs: 100 } });
  assert.deepEqual(counts(s.db), { done: 4 }, 'each task ran 60 ms of its 100 ms, though the last waited longer in the queue');
});
