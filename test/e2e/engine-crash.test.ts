/**
 * Crash test: the real CLI on a generated tree, SIGKILLed at random moments many times (scan and resume), then
 * resumed until done. Each (file, stage) must be done exactly once: one committed result, one output file, no
 * orphans; the catalog must pass PRAGMA integrity_check, and counts must match the tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { collect, lastJson, makeTree, repoRoot, sandbox } from './helpers.js';

const FILES = 300;
const KILLS = 14;

/** Small seeded PRNG so a failing run can be replayed with ENGINE_CRASH_SEED. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('killed at random moments, resumed until done: every task done exactly once, nothing orphaned', { timeout: 180_000 }, async () => {
  const seed = Number(process.env.ENGINE_CRASH_SEED ?? Date.now() % 1_000_000);
  const random = prng(seed);
  const box = sandbox('indexer-crash-');
  const root = path.join(box.dir, 'photos');
  const tree: Record<string, Buffer> = {};
  for (let i = 0; i < FILES; i++) tree[`d${i % 6}/img-${i}.jpg`] = Buffer.from(`image ${i} `.repeat(20 + (i % 7)));
  makeTree(root, tree);
  const env = {
    INDEXER_EXTRA_STAGES: path.join(repoRoot, 'dist/test/fixtures-stages/stages.js'),
    INDEXER_THREADS: '2',
    TEST_CRASH_DELAY_MS: '20',
  };
  const outcomes: string[] = [];
  try {
    for (let k = 0; k < KILLS; k++) {
      // Alternate scan (phase 1 + 2) and resume (phase 2 only); kill anywhere from start-up to mid-work.
      const args = k % 3 === 0 ? ['scan', root, '--stages', 'crashtest', '--json'] : ['resume', '--stages', 'crashtest', '--json'];
      const child = box.start(args, { env });
      const done = collect(child, 60_000);
      const delay = 150 + Math.floor(random() * 1100);
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const r = await done;
      clearTimeout(timer);
      outcomes.push(r.signal === 'SIGKILL' ? `killed@${delay}ms` : `exit ${r.code}`);
      // A scan killed before it created the catalog leaves nothing to resume: that resume refuses with exit 2.
      const nothingYet = r.code === 2 && /no catalog at/.test(r.stderr) && !fs.existsSync(box.db);
      assert.ok(r.signal === 'SIGKILL' || r.code === 0 || nothingYet, `seed ${seed}: ${args[0]} ended ${r.code}: ${r.stderr}`);
    }
    // Phase 1 complete for sure, then resume until nothing is pending.
    const scan = await box.run(['scan', root, '--stages', 'crashtest', '--json'], { env });
    assert.equal(scan.code, 0, scan.stderr);
    let summary = lastJson(scan.stdout).extract;
    for (let i = 0; i < 5 && summary.pending > 0; i++) {
      const r = await box.run(['resume', '--stages', 'crashtest', '--json'], { env });
      assert.equal(r.code, 0, r.stderr);
      summary = lastJson(r.stdout).extract;
    }
    assert.equal(summary.pending, 0, `seed ${seed}: still pending after resumes`);

    const db = new Database(box.db, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const files = db.prepare(`SELECT id, path FROM files WHERE state = 'present'`).all() as { id: number; path: string }[];
      assert.equal(files.length, FILES, 'counts match the tree');
      const tasks = db.prepare(`SELECT file_id, state FROM tasks WHERE stage = 'crashtest'`).all() as { file_id: number; state: string }[];
      assert.equal(tasks.length, FILES, 'one task per file');
      assert.deepEqual([...new Set(tasks.map((t) => t.state))], ['done'], `seed ${seed}: all done`);
      const perFile = db.prepare(`SELECT file_id, count(*) n FROM test_outputs WHERE stage = 'crashtest' GROUP BY file_id`).all() as { file_id: number; n: number }[];
      assert.equal(perFile.length, FILES, 'a committed result for every file');
      assert.deepEqual(perFile.filter((r) => r.n !== 1), [], `seed ${seed}: no result committed twice`);
      const orphanTasks = db.prepare(`SELECT count(*) n FROM tasks WHERE file_id NOT IN (SELECT id FROM files)`).get() as { n: number };
      assert.equal(orphanTasks.n, 0);
      const running = db.prepare(`SELECT count(*) n FROM tasks WHERE state = 'running' OR lease_run IS NOT NULL`).get() as { n: number };
      assert.equal(running.n, 0, 'no lease left behind');

      // Output files: exactly one per file, each named after a done task and holding that file's path.
      const outDir = path.join(box.cache, 'crashtest');
      const outs = fs.readdirSync(outDir).filter((f) => f.endsWith('.out'));
      const byId = new Map(files.map((f) => [f.id, f.path]));
      assert.equal(outs.length, FILES, 'one output per file');
      for (const o of outs) {
        const id = Number(o.replace('.out', ''));
        assert.ok(byId.has(id), `orphan output ${o}`);
        assert.equal(fs.readFileSync(path.join(outDir, o), 'utf8').split('\n')[0], byId.get(id));
      }
      const executions = fs.readFileSync(path.join(outDir, 'executions.log'), 'utf8').trim().split('\n').length;
      assert.ok(executions >= FILES, 'each task ran at least once');

      const runs = db.prepare(`SELECT outcome, count(*) n FROM runs GROUP BY outcome`).all() as { outcome: string; n: number }[];
      const killed = outcomes.filter((o) => o.startsWith('killed')).length;
      const crashed = runs.find((r) => r.outcome === 'crashed')?.n ?? 0;
      // A kill before phase 2 started leaves no run to mark; every run that did start and was killed is 'crashed'.
      assert.ok(crashed <= killed, JSON.stringify({ runs, outcomes }));
      assert.equal(runs.find((r) => r.outcome === 'running'), undefined, 'no run is left marked running');
      console.log(`seed ${seed}: ${outcomes.join(', ')}; ${executions} executions for ${FILES} tasks; runs ${JSON.stringify(runs)}`);
    } finally {
      db.close();
    }
  } finally {
    box.cleanup();
  }
});
