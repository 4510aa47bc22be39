/**
 * Issue 13 item 5: SIGKILLs from outside (a cron timeout, the OOM killer choosing the process, a user) while one valid
 * file's task runs alone must not quarantine it. Only a crash the task causes itself, seen when it runs alone in a
 * process of its own, counts (the poison test covers that side).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { collect, lastJson, repoRoot, sandbox } from './helpers.js';
import { openCatalog } from '../../src/catalog/open.js';
import { addFile, addRoot } from '../tasks/helpers.js';

const env = { INDEXER_EXTRA_STAGES: path.join(repoRoot, 'dist/test/fixtures-stages/stages.js'), INDEXER_THREADS: '2' };
const KILLS = 4;

function taskState(db: string): { state: string; attempts: number; reason: string | null } | undefined {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(`SELECT state, attempts, reason FROM tasks WHERE stage = 'slow'`).get() as never;
  } finally {
    d.close();
  }
}

test('outside SIGKILLs while a valid file runs alone never quarantine it', { timeout: 180_000 }, async () => {
  const box = sandbox('indexer-outside-kill-');
  const catalog = openCatalog(box.db);
  addFile(catalog, addRoot(catalog, path.join(box.dir, 'photos')), { path: path.join(box.dir, 'photos', 'slow-120mp.png') });
  catalog.close();
  try {
    for (let k = 0; k < KILLS; k++) {
      const child = box.start(['resume', '--stages', 'slow', '--json'], { env: { ...env, TEST_SLOW_MS: '60000' } });
      const done = collect(child, 60_000);
      // Killed while its only task runs (alone: in the pool the first time, isolated as a suspect after that).
      for (let i = 0; i < 200 && taskState(box.db)?.state !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(taskState(box.db)?.state, 'running');
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGKILL');
      assert.equal((await done).signal, 'SIGKILL');
      assert.notEqual(taskState(box.db)?.state, 'failed');
    }
    const fin = await box.run(['resume', '--stages', 'slow', '--json'], { env: { ...env, TEST_SLOW_MS: '20' } });
    assert.equal(fin.code, 0, fin.stderr);
    assert.equal(lastJson(fin.stdout).extract.quarantined, 0);
    assert.deepEqual(taskState(box.db), { state: 'done', attempts: 1, reason: null });
  } finally {
    box.cleanup();
  }
});
