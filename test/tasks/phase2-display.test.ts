/** runPhase2 shows its progress through the display its caller hands in (the CLI's), and prints no summary itself. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runPhase2 } from '../../src/tasks/phase2.js';
import type { TaskPool } from '../../src/tasks/pool.js';
import type { ProgressDisplay } from '../../src/tasks/events.js';
import type { Phase2Summary } from '../../src/tasks/phase2-summary.js';
import { systemClock } from '../../src/types.js';
import { addFile, addRoot, tempCatalog } from './helpers.js';

const stagesModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures-stages', 'stages.js');

/** A pool that finishes every task at once, or fails the ones whose path says so. */
const instantPool = (): TaskPool => ({
  threads: 1,
  run: async (req) =>
    req.input.path.includes('bad')
      ? { outcome: { status: 'failed', reason: `${req.input.path}: corrupt`, retryable: false } }
      : { outcome: { status: 'done', value: req.input.path } },
  close: async () => {},
});

test('the display is made with the pending tasks per stage, gets the events, is stopped, then gets the summary', async () => {
  const { db, file, dir } = tempCatalog();
  const root = addRoot(db, '/r');
  for (const name of ['a.jpg', 'b.jpg', 'bad.jpg']) addFile(db, root, { path: `/r/${name}` });
  const calls: string[] = [];
  let totals: Record<string, number> | null = null;
  let summary: Phase2Summary | null = null;
  const failed: string[] = [];
  let stderr = '';
  const progress = (pending: Record<string, number>): ProgressDisplay => {
    totals = pending;
    calls.push('made');
    return {
      events: { progress: () => void calls.push('progress'), taskFailed: (e) => void failed.push(e.path), stagePaused: () => {} },
      stop: () => void calls.push('stop'),
      summary: (s) => (calls.push('summary'), (summary = s)),
      notice: () => {},
    };
  };
  const result = await runPhase2(
    {
      db,
      catalogPath: file,
      cacheDir: path.join(dir, 'cache'),
      cli: {
        env: { INDEXER_EXTRA_STAGES: stagesModule, XDG_DATA_HOME: path.join(dir, 'data') },
        clock: systemClock,
        stdout: new Writable({ write: (_c, _e, cb) => cb() }),
        stderr: new Writable({ write: (c, _e, cb) => ((stderr += String(c)), cb()) }),
      },
      opts: { stages: 'trivial', threads: 1 },
      signal: new AbortController().signal,
      progress,
    },
    { pool: () => instantPool(), command: 'test' },
  );
  assert.deepEqual(totals, { trivial: 3 });
  assert.equal(calls[0], 'made');
  assert.deepEqual(calls.slice(-2), ['stop', 'summary'], 'the display is gone before the summary is shown');
  assert.ok(calls.includes('progress'));
  assert.deepEqual(failed, ['/r/bad.jpg']);
  assert.equal(result.exitCode, 0);
  assert.equal(summary, result.summary);
  assert.deepEqual(
    { outcome: result.summary.outcome, done: result.summary.done, failed: result.summary.failed, pending: result.summary.pending },
    { outcome: 'complete', done: 2, failed: 1, pending: 0 },
  );
  assert.deepEqual(result.summary.stages, { trivial: { done: 2, failed: 1, skipped: 0, pending: 0 } });
  assert.equal(stderr, '', 'the engine itself printed nothing');
  db.close();
});
