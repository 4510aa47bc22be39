/**
 * A cache the user cannot write is not the photos' fault: the thumbnail stage pauses with one message, no task fails,
 * the work stays pending, and `indexer resume` with a writable cache finishes it. Run as `nobody` (root writes
 * anywhere).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { canDropPrivileges, lastJson, makeTree, repoRoot, runCli, sandbox } from './helpers.js';

const skip = !canDropPrivileges() && 'needs root and setpriv to run the child as nobody';

function thumbnailStates(db: string): Record<string, number> {
  const d = new Database(db, { readonly: true });
  try {
    const rows = d.prepare(`SELECT state, count(*) AS n FROM tasks WHERE stage = 'thumbnail' GROUP BY state`).all() as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } finally {
    d.close();
  }
}

/** A root with two real photos, readable by nobody. */
function photos(dir: string): string {
  const root = path.join(dir, 'lib');
  makeTree(root, {
    'beach.jpg': fs.readFileSync(path.join(repoRoot, 'fixtures', 'photos', 'beach.jpg')),
    'forest.jpg': fs.readFileSync(path.join(repoRoot, 'fixtures', 'photos', 'forest.jpg')),
  });
  spawnSync('chmod', ['-R', 'a+rwX', root]);
  return root;
}

function pausedAndFailed(stdout: string) {
  const events = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return {
    paused: events.filter((e) => e.event === 'stage paused'),
    failed: events.filter((e) => e.event === 'task failed'),
  };
}

test('a read-only cache pauses the thumbnail stage with one message; resume with a writable cache finishes', { skip }, async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = photos(sb.dir);
  const readOnly = path.join(sb.dir, 'ro-cache');
  fs.mkdirSync(readOnly, { mode: 0o555 });
  fs.chmodSync(readOnly, 0o555);
  const args = ['--db', sb.db, '--json'];
  const res = await runCli([...args, '--cache-dir', readOnly, 'scan', root, '--stages', 'thumbnail,exif'], { asNobody: true });
  assert.equal(res.code, 0, res.stderr);
  const { paused, failed } = pausedAndFailed(res.stdout);
  assert.equal(paused.length, 1, res.stdout);
  assert.equal(paused[0].stage, 'thumbnail');
  assert.match(paused[0].reason, new RegExp(`the cache ${readOnly} is not writable`));
  assert.deepEqual(failed, []);
  assert.equal(lastJson(res.stdout).extract.stages.exif.done, 2, 'the other stages went on');
  assert.deepEqual(thumbnailStates(sb.db), { pending: 2 });

  const writable = path.join(sb.dir, 'cache-ok');
  const resumed = await runCli([...args, '--cache-dir', writable, 'resume'], { asNobody: true });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(thumbnailStates(sb.db), { done: 2 });
});

test('a cache folder that turns out unwritable at write time pauses the stage too; no photo is failed', { skip }, async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = photos(sb.dir);
  const cache = path.join(sb.dir, 'cache');
  // The cache itself takes the probe file; the folder the thumbnails go to does not.
  fs.mkdirSync(path.join(cache, 'thumbs'), { recursive: true });
  fs.chmodSync(cache, 0o777);
  fs.chmodSync(path.join(cache, 'thumbs'), 0o555);
  const res = await runCli(['--db', sb.db, '--cache-dir', cache, '--json', 'scan', root, '--stages', 'thumbnail'], { asNobody: true });
  assert.equal(res.code, 0, res.stderr);
  const { paused, failed } = pausedAndFailed(res.stdout);
  assert.equal(paused.length, 1, res.stdout);
  assert.match(paused[0].reason, /cannot write to the cache .*EACCES|permission denied/i);
  assert.deepEqual(failed, []);
  assert.deepEqual(thumbnailStates(sb.db), { pending: 2 });
});
