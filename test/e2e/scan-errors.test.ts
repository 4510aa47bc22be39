import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { age, canDropPrivileges, lastJson, makeTree, occurrences, sandbox } from './helpers.js';

const DAY = 86_400_000;

function count(db: string, where: string): number {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(`SELECT count(*) FROM files WHERE ${where}`).pluck().get() as number;
  } finally {
    d.close();
  }
}

test('unreadable folders and files (EACCES) are counted, named once, and the scan goes on', { skip: !canDropPrivileges() && 'needs root and setpriv to run the child as nobody' }, async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'perm');
  const f = makeTree(root, { 'ok.jpg': 'fine', 'locked/in.jpg': 'hidden by perms', 'secret.jpg': 'unreadable' });
  for (const p of Object.values(f)) age(p, DAY);
  // The tree must be readable by nobody except for the two planted problems.
  spawnSync('chmod', ['-R', 'a+rwX', sb.dir]);
  fs.chmodSync(path.join(root, 'locked'), 0o000);
  fs.chmodSync(f['secret.jpg']!, 0o000);
  const res = await sb.run(['--json', 'scan', '--no-extract', root], { asNobody: true });
  assert.equal(res.code, 0, res.stderr);
  const s = lastJson(res.stdout).scan;
  assert.deepEqual({ new: s.new, errors: s.errors }, { new: 1, errors: 2 });
  assert.equal(occurrences(res.stderr, path.join(root, 'locked')), 1);
  assert.equal(occurrences(res.stderr, f['secret.jpg']!), 1);
  assert.match(res.stderr, /permission denied/);
});

test('an unreadable folder keeps the files it had (they are not deleted)', { skip: !canDropPrivileges() && 'needs root and setpriv' }, async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'perm');
  for (const p of Object.values(makeTree(root, { 'a.jpg': 'a', 'sub/b.jpg': 'b' }))) age(p, DAY);
  spawnSync('chmod', ['-R', 'a+rwX', sb.dir]);
  assert.equal((await sb.run(['scan', '--no-extract', root], { asNobody: true })).code, 0);
  fs.chmodSync(path.join(root, 'sub'), 0o000);
  const s = lastJson((await sb.run(['--json', 'scan', '--no-extract', root], { asNobody: true })).stdout).scan;
  assert.deepEqual({ deleted: s.deleted, errors: s.errors }, { deleted: 0, errors: 1 });
  assert.equal(count(sb.db, "state = 'present'"), 2);
});

test('names that are not UTF-8 and paths too long for the OS are counted and named once', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'odd');
  for (const p of Object.values(makeTree(root, { 'good.jpg': 'g', 'ünïcødé name.jpg': 'u' }))) age(p, DAY);
  const bad = Buffer.concat([Buffer.from(root + '/bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.jpg')]);
  fs.writeFileSync(bad, 'latin-1 name');
  // Build a chain of folders deeper than PATH_MAX (4096) by creating each one relative to the last.
  const segment = 'd'.repeat(200);
  const script = `process.chdir(${JSON.stringify(root)}); for (let i = 0; i < 22; i++) { fs.mkdirSync('${segment}'); process.chdir('${segment}'); } fs.writeFileSync('deep.jpg', 'x');`;
  const deep = spawnSync(process.execPath, ['-e', `const fs = require('fs'); ${script}`]);
  assert.equal(deep.status, 0, deep.stderr.toString());
  const res = await sb.run(['--json', 'scan', '--no-extract', root]);
  assert.equal(res.code, 0, res.stderr);
  const s = lastJson(res.stdout).scan;
  assert.equal(s.new, 2, 'good.jpg and the unicode name');
  assert.equal(s.errors, 2, res.stderr);
  assert.equal(occurrences(res.stderr, 'not valid UTF-8'), 1);
  assert.equal(occurrences(res.stderr, 'too long'), 1);
  assert.equal(res.stderr.trim().split('\n').length, 2, 'one line per problem');
});

test('an interrupted walk deletes nothing and exits 130', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'big');
  const tree: Record<string, string> = {};
  for (let d = 0; d < 40; d++) for (let i = 0; i < 25; i++) tree[`d${d}/f${i}.jpg`] = `${d}/${i}`;
  for (const p of Object.values(makeTree(root, tree))) age(p, DAY);
  assert.equal((await sb.run(['scan', '--no-extract', root])).code, 0);
  // Delete one folder, then interrupt the rescan early (a real SIGINT, sent by a test hook): nothing may be deleted.
  fs.rmSync(path.join(root, 'd0'), { recursive: true });
  const res = await sb.run(['--json', 'scan', '--no-extract', root], { env: { INDEXER_TEST_INTERRUPT_AFTER: '50' } });
  assert.equal(res.code, 130, res.stderr);
  const s = lastJson(res.stdout).scan;
  assert.equal(s.outcome, 'interrupted');
  assert.equal(s.deleted, 0);
  assert.equal(count(sb.db, "state = 'deleted'"), 0);
  const st = lastJson((await sb.run(['--json', 'status'])).stdout);
  assert.equal(st.lastScan.outcome, 'interrupted');
  // The next complete scan does delete what is really gone.
  const again = lastJson((await sb.run(['--json', 'scan', '--no-extract', root])).stdout).scan;
  assert.equal(again.deleted, 25);
});

test('symlinks are skipped by default and followed with loop protection by --follow-symlinks', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'links');
  const outside = path.join(sb.dir, 'outside');
  for (const p of Object.values(makeTree(outside, { 'o.jpg': 'o' }))) age(p, DAY);
  for (const p of Object.values(makeTree(root, { 'sub/a.jpg': 'a' }))) age(p, DAY);
  fs.symlinkSync(outside, path.join(root, 'to-outside'));
  fs.symlinkSync(root, path.join(root, 'sub', 'loop'));
  fs.symlinkSync(path.join(root, 'missing'), path.join(root, 'sub', 'broken.jpg'));
  const plain = lastJson((await sb.run(['--json', 'scan', '--no-extract', root])).stdout).scan;
  assert.equal(plain.new, 1);
  const follow = await sb.run(['--json', 'scan', '--no-extract', '--follow-symlinks', root], { timeoutMs: 20_000 });
  assert.equal(follow.code, 0, follow.stderr);
  const s = lastJson(follow.stdout).scan;
  assert.deepEqual({ new: s.new, unchanged: s.unchanged }, { new: 1, unchanged: 1 });
});
