/** Roots as the user manages them: renamed or moved roots keep their work, `indexer roots`, remembered excludes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { age, lastJson, makeTree, repoRoot, sandbox, type Sandbox } from './helpers.js';

const STAGES = ['--stages', 'thumbnail,exif,xmp', '--threads', '2'];

function photos(box: Sandbox, name: string): string {
  const dir = path.join(box.dir, name);
  fs.cpSync(path.join(repoRoot, 'fixtures', 'photos'), dir, { recursive: true, preserveTimestamps: true });
  return dir;
}

async function json(box: Sandbox, args: string[]): Promise<any> {
  const r = await box.run(['--json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return lastJson(r.stdout);
}

test('after mv ROOT ROOT2, scan ROOT2 reports every file moved, re-runs no stage and forgets the old root', async (t) => {
  const box = sandbox('indexer-roots-');
  t.after(() => box.cleanup());
  const libA = photos(box, 'libA');
  const first = await json(box, ['scan', libA, ...STAGES]);
  const files = first.scan.new;
  assert.ok(files >= 3 && first.extract.done > 0);

  const libB = path.join(box.dir, 'libB');
  fs.renameSync(libA, libB);
  const r = await box.run(['--json', 'scan', libB, ...STAGES]);
  assert.equal(r.code, 0, r.stderr);
  const { scan, extract } = lastJson(r.stdout);
  assert.deepEqual({ new: scan.new, moved: scan.moved, deleted: scan.deleted }, { new: 0, moved: files, deleted: 0 });
  assert.deepEqual(scan.movedFrom, [{ root: libA, files, forgotten: true, missing: false }]);
  assert.deepEqual({ planned: extract.planned, rearmed: extract.rearmed, done: extract.done }, { planned: 0, rearmed: 0, done: 0 });

  const human = await box.run(['scan', libB, '--no-extract']);
  assert.match(human.stdout, /0 new, 0 modified, 0 moved, 0 deleted/);
  const roots = await json(box, ['roots']);
  assert.deepEqual(roots.roots.map((x: any) => [x.path, x.present]), [[libB, files]]);
  const info = JSON.parse((await box.run(['info', path.join(libB, 'beach.jpg'), '--json'])).stdout);
  assert.deepEqual(info.tasks.map((x: any) => x.state), ['done', 'done', 'done']);
});

test('files that reappear under a new root while their old root is offline are moved; a copy is not', async (t) => {
  const box = sandbox('indexer-roots-');
  t.after(() => box.cleanup());
  const nas = path.join(box.dir, 'nas');
  const tree = makeTree(nas, { 'a.jpg': 'aaaa', 'b.jpg': 'bbbb', 'keep/c.jpg': 'cccc' });
  for (const p of Object.values(tree)) age(p, 86_400_000);
  await json(box, ['scan', '--no-extract', nas]);

  // The share is unmounted: the plain rescan keeps its files as offline.
  fs.renameSync(nas, nas + '-unmounted');
  assert.equal((await json(box, ['scan', '--no-extract'])).scan.offline, 3);
  // Two of its photos turn up in a local folder, with a copy of the third that is not a move once the share is back.
  const local = path.join(box.dir, 'local');
  fs.mkdirSync(local);
  for (const f of ['a.jpg', 'b.jpg']) fs.cpSync(path.join(nas + '-unmounted', f), path.join(local, f), { preserveTimestamps: true });
  const moved = (await json(box, ['scan', '--no-extract', local])).scan;
  assert.deepEqual({ new: moved.new, moved: moved.moved }, { new: 0, moved: 2 });
  assert.deepEqual(moved.movedFrom, [{ root: nas, files: 2, forgotten: false, missing: true }]);

  fs.renameSync(nas + '-unmounted', nas);
  fs.cpSync(path.join(nas, 'keep', 'c.jpg'), path.join(local, 'c-copy.jpg'), { preserveTimestamps: true });
  const copy = (await json(box, ['scan', '--no-extract', local])).scan;
  assert.deepEqual({ new: copy.new, moved: copy.moved }, { new: 1, moved: 0 });
  const listed = Object.fromEntries((await json(box, ['roots'])).roots.map((r: any) => [r.path, r]));
  assert.equal(listed[local].present, 3);
  assert.equal(listed[nas].online, false);
  assert.equal(listed[nas].offline, 1); // c.jpg, until the share's own rescan
});

test('roots move keeps every id (nothing new on the next scan); roots remove forgets a root and its files', async (t) => {
  const box = sandbox('indexer-roots-');
  t.after(() => box.cleanup());
  const old = path.join(box.dir, 'old');
  for (const p of Object.values(makeTree(old, { 'a.jpg': 'a', 'd/b.jpg': 'b', 'd/b.jpg.xmp': '<x/>' }))) age(p, 86_400_000);
  const other = path.join(box.dir, 'other');
  for (const p of Object.values(makeTree(other, { 'z.jpg': 'z' }))) age(p, 86_400_000);
  await json(box, ['scan', '--no-extract', old, other]);

  const renamed = path.join(box.dir, 'renamed');
  fs.renameSync(old, renamed);
  const unknown = await box.run(['roots', 'move', path.join(box.dir, 'nope'), renamed]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /nope is not a root of this catalog/);
  const clash = await box.run(['roots', 'move', old, other]);
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, /is already a root/);
  assert.deepEqual(await json(box, ['roots', 'move', old, renamed]), { moved: old, to: renamed, files: 2 });

  const rescan = (await json(box, ['scan', '--no-extract'])).scan;
  assert.deepEqual({ new: rescan.new, deleted: rescan.deleted, unchanged: rescan.unchanged, sidecars: rescan.sidecars }, { new: 0, deleted: 0, unchanged: 3, sidecars: 0 });
  const text = await box.run(['roots']);
  assert.match(text.stdout, new RegExp(`^${renamed}  online  2 files  last complete scan \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d$`, 'm'));

  assert.deepEqual(await json(box, ['roots', 'remove', other]), { removed: other, files: 1 });
  assert.deepEqual((await json(box, ['roots'])).roots.map((r: any) => r.path), [renamed]);
  const status = await json(box, ['status']);
  assert.equal(status.files.total, 2);
  assert.ok(fs.existsSync(path.join(other, 'z.jpg')), 'nothing on disk is touched');
});

test('scan --exclude X then a plain scan reports 0 deleted and 0 new; roots shows the excludes; --no-exclude clears them', async (t) => {
  const box = sandbox('indexer-roots-');
  t.after(() => box.cleanup());
  const root = path.join(box.dir, 'lib');
  const tree = makeTree(root, { '2024/a.jpg': 'a', '2025/b.jpg': 'b', '2025/c.jpg': 'c', 'd.jpg': 'd' });
  for (const p of Object.values(tree)) age(p, 86_400_000);
  assert.equal((await json(box, ['scan', '--no-extract', root])).scan.new, 4);

  const excluded = (await json(box, ['scan', '--no-extract', '--exclude', '2025', root])).scan;
  assert.deepEqual({ deleted: excluded.deleted, unchanged: excluded.unchanged }, { deleted: 2, unchanged: 2 });
  const plain = (await json(box, ['scan', '--no-extract'])).scan;
  assert.deepEqual({ new: plain.new, deleted: plain.deleted, unchanged: plain.unchanged }, { new: 0, deleted: 0, unchanged: 2 });
  const explicitRoot = (await json(box, ['scan', '--no-extract', root])).scan;
  assert.deepEqual({ new: explicitRoot.new, deleted: explicitRoot.deleted }, { new: 0, deleted: 0 });
  assert.deepEqual((await json(box, ['roots'])).roots[0].excludes, ['2025']);
  assert.match((await box.run(['roots'])).stdout, /excludes: 2025$/m);

  const cleared = (await json(box, ['scan', '--no-extract', '--no-exclude'])).scan;
  assert.deepEqual({ new: cleared.new, unchanged: cleared.unchanged }, { new: 2, unchanged: 2 });
  assert.deepEqual((await json(box, ['roots'])).roots[0].excludes, []);
});
