/**
 * `indexer resume` through the real CLI: signals, limits, timeouts, the circuit breaker and the NDJSON contract.
 * Files are put in the catalog directly (phase 1 is tested by the scan tests); the test stages only read names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { collect, lastJson, makeTree, repoRoot, sandbox, type Sandbox } from './helpers.js';
import { openCatalog } from '../../src/catalog/open.js';
import { addFile, addRoot } from '../tasks/helpers.js';

const stagesModule = path.join(repoRoot, 'dist/test/fixtures-stages/stages.js');
const env = { INDEXER_EXTRA_STAGES: stagesModule, INDEXER_THREADS: '2', INDEXER_DRAIN_MS: '300' };

function withFiles(names: string[]): Sandbox {
  const box = sandbox('indexer-engine-');
  const db = openCatalog(box.db);
  const root = addRoot(db, path.join(box.dir, 'photos'));
  for (const n of names) addFile(db, root, { path: path.join(box.dir, 'photos', n), kind: n.endsWith('.mp4') ? 'video' : 'image' });
  db.close();
  return box;
}

function query<T>(box: Sandbox, sql: string): T[] {
  const db = new Database(box.db, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const names = (n: number, prefix = 'img') => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}.jpg`);

test('resume --json: NDJSON events first, then {"extract": ..., "durationMs": n} last; skipped formats have reasons', async () => {
  const box = withFiles([...names(20), 'clip.mp4']);
  try {
    const r = await box.run(['resume', '--stages', 'after', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const last = lines.pop();
    assert.ok(lines.every((l) => typeof l.event === 'string'), 'events before the summary');
    assert.deepEqual(Object.keys(last), ['extract', 'durationMs']);
    assert.equal(last.extract.outcome, 'complete');
    assert.deepEqual(last.extract.stages.after, { done: 20, failed: 0, skipped: 0, pending: 0 });
    assert.equal(last.extract.stages.trivial.done, 20, 'a dependency comes along with --stages');
    const skipped = query<{ reason: string }>(box, `SELECT reason FROM tasks WHERE state = 'skipped'`);
    assert.deepEqual(skipped.map((s) => s.reason), ['videos are not handled by this stage', 'videos are not handled by this stage']);
  } finally {
    box.cleanup();
  }
});

test('SIGINT: in-flight work is released to pending with its attempt back, the run is recorded interrupted, exit 130', async () => {
  const box = withFiles(['slow-1.jpg', 'slow-2.jpg', ...names(5)]);
  try {
    const child = box.start(['resume', '--stages', 'slow', '--json'], { env: { ...env, TEST_SLOW_MS: '60000' } });
    const done = collect(child, 30_000);
    child.stdout!.once('data', () => setTimeout(() => child.kill('SIGINT'), 200));
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    const slow = query<{ state: string; attempts: number }>(box, `SELECT t.state, t.attempts FROM tasks t JOIN files f ON f.id = t.file_id WHERE f.path LIKE '%slow-%'`);
    assert.deepEqual(slow, [
      { state: 'pending', attempts: 0 },
      { state: 'pending', attempts: 0 },
    ]);
    const runs = query<{ outcome: string; note: string }>(box, `SELECT outcome, note FROM runs`);
    assert.equal(runs[0]!.outcome, 'interrupted');
  } finally {
    box.cleanup();
  }
});

test('a second SIGINT exits at once; the next resume recovers the abandoned lease and finishes', async () => {
  const box = withFiles(['slow-1.jpg', ...names(3)]);
  try {
    const slowEnv = { ...env, INDEXER_DRAIN_MS: '60000', TEST_SLOW_MS: '60000' };
    const child = box.start(['resume', '--stages', 'slow', '--json'], { env: slowEnv });
    const done = collect(child, 30_000);
    child.stdout!.once('data', () =>
      setTimeout(() => {
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGINT'), 200);
      }, 200),
    );
    const r = await done;
    assert.equal(r.code, 130);
    const fin = await box.run(['resume', '--stages', 'slow', '--json'], { env: { ...env, TEST_SLOW_MS: '10' } });
    assert.equal(fin.code, 0, fin.stderr);
    assert.equal(lastJson(fin.stdout).extract.pending, 0);
    assert.equal(query<{ n: number }>(box, `SELECT count(*) n FROM tasks WHERE state = 'done'`)[0]!.n, 4);
  } finally {
    box.cleanup();
  }
});

// 3 s, not less: a replaced worker thread starts while the machine may be loaded, and its first ordinary tasks must
// not hit the limit meant for the stuck one.
test('--task-timeout fails the stuck task with that reason, replaces its worker, and the run goes on', async () => {
  const box = withFiles(['slow-1.jpg', ...names(12)]);
  try {
    const r = await box.run(['resume', '--stages', 'slow', '--task-timeout', '3s', '--json'], { env: { ...env, TEST_SLOW_MS: '60000' } });
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const failed = events.filter((e) => e.event === 'task failed');
    assert.equal(failed.length, 1);
    assert.match(failed[0].reason, /slow-1\.jpg: timed out after/);
    assert.equal(lastJson(r.stdout).extract.stages.slow.done, 12);
  } finally {
    box.cleanup();
  }
});

test('a stage whose preflight fails is paused with one message; its tasks stay pending, other stages run', async () => {
  const box = withFiles(names(8));
  try {
    const r = await box.run(['resume', '--stages', 'broken,trivial', '--json'], { env: { ...env, TEST_BROKEN_PREFLIGHT: 'put a model in ~/models' } });
    assert.equal(r.code, 0, r.stderr);
    const paused = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event === 'stage paused');
    assert.equal(paused.length, 1);
    assert.equal(paused[0].stage, 'broken');
    assert.match(r.stderr, /stage broken paused: .*put a model/);
    const s = lastJson(r.stdout).extract;
    assert.deepEqual(s.stages.broken, { done: 0, failed: 0, skipped: 0, pending: 8 });
    assert.equal(s.stages.trivial.done, 8);
  } finally {
    box.cleanup();
  }
});

test('a stage fault at run time trips the circuit breaker: no task burns its attempts', async () => {
  const box = withFiles(names(30));
  try {
    const r = await box.run(['resume', '--stages', 'broken', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const rows = query<{ state: string; attempts: number; n: number }>(box, `SELECT state, max(attempts) attempts, count(*) n FROM tasks GROUP BY state`);
    assert.deepEqual(rows, [{ state: 'pending', attempts: 0, n: 30 }]);
    assert.match(lastJson(r.stdout).extract.note, /broken paused: the inference device is gone/);
  } finally {
    box.cleanup();
  }
});

test('--max-tasks and --max-duration stop cleanly with exit 0; the rest stays pending for the next resume', async () => {
  const box = withFiles(names(40));
  try {
    const r = await box.run(['resume', '--stages', 'trivial', '--max-tasks', '10', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const s = lastJson(r.stdout).extract;
    assert.equal(s.outcome, 'limit');
    assert.equal(s.done, 10);
    assert.equal(s.pending, 30);
    const d = await box.run(['resume', '--stages', 'slow', '--max-duration', '1s', '--json'], { env });
    assert.equal(d.code, 0, d.stderr);
    const rest = await box.run(['resume', '--stages', 'trivial', '--json'], { env });
    assert.equal(lastJson(rest.stdout).extract.done, 30);
    assert.equal(query<{ outcome: string }>(box, `SELECT outcome FROM runs ORDER BY id`)[0]!.outcome, 'limit');
  } finally {
    box.cleanup();
  }
});

test('a flaky failure is retried with backoff within the same run', async () => {
  const box = withFiles(names(3));
  try {
    const r = await box.run(['resume', '--stages', 'flaky', '--json'], { env: { ...env, TEST_FLAKY_FAILS: '1' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastJson(r.stdout).extract.stages.flaky.done, 3);
    const rows = query<{ attempts: number; last_error: string }>(box, `SELECT attempts, last_error FROM tasks`);
    assert.ok(rows.every((x) => x.attempts === 2 && /flaky failure 1/.test(x.last_error)), JSON.stringify(rows));
  } finally {
    box.cleanup();
  }
});

test('bad usage: an unknown stage or priority exits 2 with one line', async () => {
  const box = withFiles(names(1));
  try {
    const r = await box.run(['resume', '--stages', 'nope'], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown stage 'nope'/);
    const p = await box.run(['resume', '--priority', 'urgent'], { env });
    assert.equal(p.code, 2);
  } finally {
    box.cleanup();
  }
});

test('resume holds the writer lock: a second writer exits 75, retry --wait waits its turn; no catalog exits 2', async () => {
  const box = withFiles(['slow-1.jpg']);
  try {
    const child = box.start(['resume', '--stages', 'slow', '--json'], { env: { ...env, TEST_SLOW_MS: '1500' } });
    const first = collect(child, 30_000);
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    const busy = await box.run(['resume', '--stages', 'slow'], { env });
    assert.equal(busy.code, 75);
    assert.match(busy.stderr, /another indexer \(pid \d+\) is using/);
    const waited = await box.run(['retry', '--wait', '--json'], { env });
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal((await first).code, 0);
    const none = await box.run(['--db', path.join(box.dir, 'none.db'), 'resume'], { env });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no catalog at .*none\.db/);
  } finally {
    box.cleanup();
  }
});

test('scan ROOT --priority high runs that root ahead of the backlog already pending', async () => {
  const box = sandbox('indexer-priority-');
  try {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`old/a-${i}.jpg`] = `old ${i}`;
    for (let i = 0; i < 5; i++) files[`new/b-${i}.jpg`] = `new ${i}`;
    makeTree(box.dir, files);
    const old = await box.run(['scan', path.join(box.dir, 'old'), '--no-extract'], { env });
    assert.equal(old.code, 0, old.stderr);
    // Plan the backlog without running it, then scan the new root with high priority and room for 5 tasks.
    assert.equal((await box.run(['resume', '--stages', 'trivial', '--max-tasks', '1'], { env })).code, 0);
    const r = await box.run(['scan', path.join(box.dir, 'new'), '--stages', 'trivial', '--priority', 'high', '--max-tasks', '5', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const done = query<{ path: string }>(box, `SELECT f.path FROM tasks t JOIN files f ON f.id = t.file_id WHERE t.state = 'done' ORDER BY t.finished_at, t.id`);
    assert.equal(done.length, 6);
    assert.deepEqual(
      done.slice(1).map((d) => path.basename(path.dirname(d.path))),
      ['new', 'new', 'new', 'new', 'new'],
    );
  } finally {
    box.cleanup();
  }
});
