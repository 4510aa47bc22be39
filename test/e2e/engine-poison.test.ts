/**
 * Poison test: a stage that crashes the whole process on one particular file. The next run runs the tasks that were
 * in flight alone, each in a process of its own: the poison one crashes its process three times and ends failed
 * (quarantined), everything else is done, the main process never dies again, and `retry` / `cancel` act on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { lastJson, makeTree, repoRoot, sandbox } from './helpers.js';

test('a task that kills the process is quarantined after its attempts; everything else is done', { timeout: 120_000 }, async () => {
  const box = sandbox('indexer-poison-');
  const root = path.join(box.dir, 'photos');
  const tree: Record<string, string> = { 'x/poison.jpg': 'deadly' };
  for (let i = 0; i < 30; i++) tree[`x/ok-${String(i).padStart(2, '0')}.jpg`] = `fine ${i}`;
  makeTree(root, tree);
  const env = { INDEXER_EXTRA_STAGES: path.join(repoRoot, 'dist/test/fixtures-stages/stages.js'), INDEXER_THREADS: '2' };
  try {
    const first = await box.run(['scan', root, '--stages', 'poison', '--json'], { env });
    assert.equal(first.signal, 'SIGSEGV', 'the poison file takes the process down');
    // One resume: the suspects run isolated, the poison one crashes only its own process, three times.
    const last = await box.run(['resume', '--stages', 'poison', '--json'], { env });
    assert.equal(last.code, 0, `resume completes: ${last.signal ?? ''} ${last.stderr}`);
    const summary = lastJson(last.stdout).extract;
    assert.equal(summary.quarantined, 1);
    assert.equal(summary.pending, 0);

    const db = new Database(box.db, { readonly: true });
    const rows = db
      .prepare(`SELECT f.path, t.state, t.attempts, t.reason FROM tasks t JOIN files f ON f.id = t.file_id WHERE t.stage = 'poison'`)
      .all() as { path: string; state: string; attempts: number; reason: string }[];
    const outputs = db.prepare(`SELECT count(*) n, count(DISTINCT file_id) d FROM test_outputs`).get() as { n: number; d: number };
    db.close();
    const poison = rows.find((r) => r.path.endsWith('poison.jpg'))!;
    assert.equal(poison.state, 'failed');
    assert.equal(poison.attempts, 3);
    assert.match(poison.reason, /process died while running this task 3 times/);
    assert.deepEqual(
      rows.filter((r) => r !== poison && r.state !== 'done'),
      [],
      'every other file is done',
    );
    assert.deepEqual(outputs, { n: 30, d: 30 }, 'innocent files committed once each');

    // Quarantined: a plain resume does not touch it again.
    const again = await box.run(['resume', '--stages', 'poison', '--json'], { env });
    assert.equal(again.code, 0);
    assert.equal(lastJson(again.stdout).extract.done, 0);

    // status lists it; retry re-arms it; cancel then takes it off the queue.
    const failed = await box.run(['status', '--failed', '--json'], { env });
    assert.equal(failed.code, 0, failed.stderr);
    assert.match(failed.stdout, /poison\.jpg/);
    const retried = await box.run(['retry', '--stage', 'poison', '--json'], { env });
    assert.deepEqual(lastJson(retried.stdout), { retried: 1 });
    const canceled = await box.run(['cancel', path.join(root, 'x', 'poison.jpg'), '--json'], { env });
    assert.deepEqual(lastJson(canceled.stdout), { canceled: 1 });
    const status = await box.run(['status', '--json'], { env });
    assert.deepEqual(lastJson(status.stdout).stages.poison, { pending: 0, running: 0, done: 30, failed: 0, skipped: 0, canceled: 1 });
  } finally {
    box.cleanup();
  }
});
