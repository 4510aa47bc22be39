import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { age, lastJson, makeTree, sandbox } from './helpers.js';

function states(db: string): string[] {
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare('SELECT state FROM files ORDER BY path').pluck().all() as string[]);
  } finally {
    d.close();
  }
}

test('a missing root goes offline (files kept, never deleted) and comes back online', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'nas');
  for (const p of Object.values(makeTree(root, { 'a.jpg': 'a', 'd/b.heic': 'b' }))) age(p, 86_400_000);
  assert.equal((await sb.run(['scan', '--no-extract', root])).code, 0);

  fs.renameSync(root, root + '-away');
  const gone = await sb.run(['--json', 'scan', '--no-extract']);
  assert.equal(gone.code, 0, gone.stderr);
  const s = lastJson(gone.stdout).scan;
  assert.deepEqual({ offline: s.offline, deleted: s.deleted }, { offline: 2, deleted: 0 });
  assert.deepEqual(s.offlineRoots, [root]);
  assert.match(gone.stderr, /nas is missing: treated as offline/);
  assert.deepEqual(states(sb.db), ['offline', 'offline']);
  const st = lastJson((await sb.run(['--json', 'status'])).stdout);
  assert.equal(st.files.offline, 2);
  assert.equal(st.roots[0].online, false);

  fs.renameSync(root + '-away', root);
  const back = lastJson((await sb.run(['--json', 'scan', '--no-extract'])).stdout).scan;
  assert.deepEqual({ unchanged: back.unchanged, offline: back.offline, deleted: back.deleted }, { unchanged: 2, offline: 0, deleted: 0 });
  assert.deepEqual(states(sb.db), ['present', 'present']);
});

test('an empty root that had files (an unmounted share) is offline, not emptied', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'mnt');
  for (const p of Object.values(makeTree(root, { 'a.jpg': 'a' }))) age(p, 86_400_000);
  await sb.run(['scan', '--no-extract', root]);
  fs.rmSync(path.join(root, 'a.jpg'));
  const res = lastJson((await sb.run(['--json', 'scan', '--no-extract'])).stdout).scan;
  assert.deepEqual({ offline: res.offline, deleted: res.deleted }, { offline: 1, deleted: 0 });
  assert.deepEqual(states(sb.db), ['offline']);
});

test('--settle leaves files still being written for the next run', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'in');
  const f = makeTree(root, { 'old.jpg': 'o', 'fresh.jpg': 'f' });
  age(f['old.jpg']!, 3_600_000);
  const first = lastJson((await sb.run(['--json', 'scan', '--no-extract', '--settle', '5m', root])).stdout).scan;
  assert.deepEqual({ new: first.new, settling: first.settling }, { new: 1, settling: 1 });
  age(f['fresh.jpg']!, 3_600_000);
  const second = lastJson((await sb.run(['--json', 'scan', '--no-extract', '--settle', '300', root])).stdout).scan;
  assert.deepEqual({ new: second.new, settling: second.settling, unchanged: second.unchanged }, { new: 1, settling: 0, unchanged: 1 });
});
