/**
 * The real worker pool's micro-batching (src/tasks/pool-batch.ts) on real threads: each batched task settles on its
 * own, a crash or an abort inside a batch costs only the task that caused it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import { createWorkerPool, type PoolResult } from '../../src/tasks/pool.js';
import type { TaskInput } from '../../src/extract/stage.js';
import { tempDir } from './helpers.js';

/** A stage worker whose behaviour is named by the file name: ok, crash (kills its thread) or hang. */
function stageModule(): string {
  const file = path.join(tempDir('indexer-pool-'), 'stage.mjs');
  fs.writeFileSync(
    file,
    `export async function run(input) {
       const name = input.path.split('/').pop();
       if (name.includes('crash')) process.exit(3);
       if (name.includes('hang')) await new Promise(() => {});
       return { status: 'done', value: { name, thread: (await import('node:worker_threads')).threadId } };
     }`,
  );
  return pathToFileURL(file).href;
}

function input(name: string, i: number): TaskInput {
  return {
    taskId: i, fileId: i, stage: 'meta-test', path: `/nowhere/${name}`, kind: 'image', ext: 'jpg', size: 1, mtimeMs: 1,
    identity: `id${i}`, sidecarPath: null, cacheDir: '/nowhere', options: {},
  };
}

const valueName = (r: PoolResult) => ('outcome' in r && r.outcome.status === 'done' ? (r.outcome.value as { name: string }).name : r);

test('batched tasks each settle with their own outcome and report their start once', async (t) => {
  const pool = createWorkerPool(2);
  t.after(() => pool.close());
  const mod = stageModule();
  const names = Array.from({ length: 40 }, (_, i) => `ok${i}.jpg`);
  const starts = new Map<string, number>();
  const results = await Promise.all(
    names.map((n, i) => pool.run({ workerModule: mod, input: input(n, i) }, new AbortController().signal, { batch: true, onStart: () => starts.set(n, (starts.get(n) ?? 0) + 1) })),
  );
  assert.deepEqual(results.map(valueName), names);
  assert.deepEqual([...starts.values()], names.map(() => 1));
  assert.equal(starts.size, names.length);
  const threadsUsed = new Set(results.map((r) => ('outcome' in r && r.outcome.status === 'done' ? (r.outcome.value as { thread: number }).thread : 0)));
  assert.equal(threadsUsed.size, 2, 'the tasks were spread over both threads');
});

test('a task that kills its thread inside a batch is the only one reported crashed', async (t) => {
  const pool = createWorkerPool(2);
  t.after(() => pool.close());
  const mod = stageModule();
  // Two threads, two batches in path order: [a, b-crash, b] and [c, d, e]; b was waiting behind the crash.
  const names = ['a.jpg', 'b-crash.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg'];
  const results = await Promise.all(names.map((n, i) => pool.run({ workerModule: mod, input: input(n, i) }, new AbortController().signal, { batch: true })));
  assert.deepEqual(results.map(valueName).filter((v) => typeof v === 'string'), ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg']);
  const crashed = results[1]!;
  assert.ok('crashed' in crashed, `b-crash.jpg: ${JSON.stringify(crashed)}`);
});

test('aborting a running batched task replaces its thread; the rest of its batch still settles', async (t) => {
  const pool = createWorkerPool(1);
  t.after(() => pool.close());
  const mod = stageModule();
  // One thread, one batch, in path order: the hanging task runs second, two wait behind it.
  const names = ['a.jpg', 'b-hang.jpg', 'c.jpg', 'd.jpg'];
  const controllers = names.map(() => new AbortController());
  // Aborted when it really starts, as the scheduler's --task-timeout clock would (after its time).
  const results = await Promise.all(
    names.map((n, i) =>
      pool.run({ workerModule: mod, input: input(n, i) }, controllers[i]!.signal, {
        batch: true,
        onStart: () => n === 'b-hang.jpg' && setTimeout(() => controllers[i]!.abort(), 20),
      }),
    ),
  );
  assert.deepEqual(results.map(valueName), ['a.jpg', { aborted: true }, 'c.jpg', 'd.jpg']);
});

test('a batched task aborted while it waits settles at once as aborted; the others run', async (t) => {
  const pool = createWorkerPool(1);
  t.after(() => pool.close());
  const mod = stageModule();
  const names = ['a.jpg', 'b.jpg', 'c.jpg'];
  const controllers = names.map(() => new AbortController());
  const pending = names.map((n, i) => pool.run({ workerModule: mod, input: input(n, i) }, controllers[i]!.signal, { batch: true }));
  controllers[2]!.abort();
  assert.deepEqual((await Promise.all(pending)).map(valueName), ['a.jpg', 'b.jpg', { aborted: true }]);
});

test('a batch lets go of its port once every task is answered, so memory does not grow with the tasks run', async () => {
  const { Batcher } = await import('../../src/tasks/pool-batch.js');
  let workerSide: MessagePort | undefined;
  // A stand-in for the worker thread: answers every task on the port, then returns (and never closes its end, which
  // is what a port transferred to another thread looks like from here).
  const batcher = new Batcher(1, async (batch, port) => {
    workerSide = port;
    port.postMessage({ started: 0 });
    batch.forEach((_, index) => port.postMessage({ index, outcome: { status: 'done', value: index } }));
    return batch.length;
  });
  const signal = new AbortController().signal;
  const results = await Promise.all([0, 1, 2].map((i) => batcher.run({ workerModule: 'unused', input: input(`ok${i}`, i) }, signal)));
  assert.deepEqual(
    results.map((r) => ('outcome' in r && r.outcome.status === 'done' ? r.outcome.value : r)),
    [0, 1, 2],
  );
  const closed = await Promise.race([
    new Promise<boolean>((resolve) => workerSide!.once('close', () => resolve(true))),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
  ]);
  assert.equal(closed, true, 'the batch kept its port open after every task was answered');
});
