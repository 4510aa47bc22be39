/**
 * Temp files a killed run left in the cache (issue 13 item 15): the next run that recovers the dead run's work
 * removes those whose writer is gone, keeps a live writer's, and walks nothing when no run died.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { collect, lastJson, makeTree, repoRoot, sandbox } from './helpers.js';

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a run recovering a killed run removes the temp files of dead writers only; a clean history walks nothing', { timeout: 120_000 }, async (t) => {
  const box = sandbox();
  t.after(() => box.cleanup());
  const root = path.join(box.dir, 'photos');
  makeTree(root, { 'a-slow.jpg': 'x', 'b.jpg': 'y' });
  const env = { INDEXER_EXTRA_STAGES: path.join(repoRoot, 'dist/test/fixtures-stages/stages.js'), INDEXER_THREADS: '1' };
  assert.equal((await box.run(['scan', '--no-extract', root])).code, 0);

  // A run killed while it holds a lease (the slow stage sleeps a minute on *slow* files).
  const child = box.start(['resume', '--stages', 'slow'], { env: { ...env, TEST_SLOW_MS: '60000' } });
  const ended = collect(child, 60_000);
  const running = () => {
    const db = new Database(box.db, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM tasks WHERE state = 'running'`).get() as { n: number }).n > 0;
    } finally {
      db.close();
    }
  };
  await until(running, 30_000);
  child.kill('SIGKILL');
  assert.equal((await ended).signal, 'SIGKILL');

  const deadPid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
  const plant = (rel: string) => makeTree(box.cache, { [rel]: 'partial' })[rel]!;
  const dead = [
    plant(`thumbs/ab/cd/abcd.webp.${deadPid}.k3j2x.tmp`),
    plant(`previews/ab/cd/abcd.jpg.${deadPid}.q9.tmp`),
    plant(`clip-inputs/ab/cd/abcd.224x224.rgb.${deadPid}.z1.tmp`),
    plant(`search/catalog-model.ixqv.${deadPid}.tmp`),
  ];
  const kept = [
    plant(`thumbs/ab/cd/live.webp.${process.pid}.zz.tmp`), // a writer still running (another catalog sharing the cache)
    plant('thumbs/ab/cd/abcd.webp'),
    plant('thumbs/ab/cd/notes.tmp'), // not a name we write: not ours to remove
  ];

  const resume = await box.run(['--json', 'resume', '--stages', 'slow'], { env: { ...env, TEST_SLOW_MS: '1' } });
  assert.equal(resume.code, 0, resume.stderr);
  const summary = lastJson(resume.stdout).extract;
  assert.equal(summary.tempsRemoved, dead.length);
  assert.ok(summary.recovered >= 1, 'it recovered the killed run');
  for (const f of dead) assert.equal(fs.existsSync(f), false, `${f} removed`);
  for (const f of kept) assert.equal(fs.existsSync(f), true, `${f} kept`);

  // No run died since: nothing is swept (no walk of a large cache on every cron run).
  const later = plant(`thumbs/ef/01/ef01.webp.${deadPid}.a1.tmp`);
  const clean = await box.run(['--json', 'resume'], { env });
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(lastJson(clean.stdout).extract.tempsRemoved, 0);
  assert.equal(fs.existsSync(later), true);
});
