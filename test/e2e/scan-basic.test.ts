import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { age, lastJson, makeTree, sandbox } from './helpers.js';

function rows(db: string): { id: number; path: string; state: string; identity: string; sidecar_path: string | null }[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT id, path, state, identity, sidecar_path FROM files ORDER BY path').all() as any;
  } finally {
    d.close();
  }
}

const DAY = 86_400_000;

test('add, unchanged, modify, move, delete and the no-ROOT rescan, end to end', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const photos = path.join(sb.dir, 'photos');
  const f = makeTree(photos, {
    'a/IMG_1.JPG': 'one',
    'a/IMG_1.jpg.xmp': '<x:xmpmeta/>',
    'a/IMG_1.xmp': '<x:xmpmeta/> less preferred',
    'a/raw.CR2': 'raw bytes',
    'b/clip.mp4': 'video',
    'b/notes.txt': 'not media',
    'b/@eaDir/thumb.jpg': 'synology',
    'b/._IMG_2.jpg': 'apple double',
    '#recycle/old.jpg': 'bin',
    '.hidden/secret.jpg': 'hidden',
  });
  for (const p of Object.values(f)) age(p, DAY);

  const first = await sb.run(['--json', 'scan', '--no-extract', photos]);
  assert.equal(first.code, 0, first.stderr);
  const s1 = lastJson(first.stdout);
  assert.deepEqual(s1.scan.roots, [photos]);
  assert.equal(s1.scan.new, 3);
  assert.equal(s1.extract, null);
  assert.equal(typeof s1.durationMs, 'number');
  let r = rows(sb.db);
  assert.deepEqual(r.map((x) => path.relative(photos, x.path)), ['a/IMG_1.JPG', 'a/raw.CR2', 'b/clip.mp4']);
  assert.equal(r[0]!.sidecar_path, f['a/IMG_1.jpg.xmp'], 'IMG.jpg.xmp is preferred over IMG.xmp');
  assert.match(r[0]!.identity, /^[0-9a-f]{32,}$/);

  // Unchanged, with no ROOT: the cron form.
  const second = lastJson((await sb.run(['--json', 'scan', '--no-extract'])).stdout);
  assert.deepEqual({ new: second.scan.new, unchanged: second.scan.unchanged }, { new: 0, unchanged: 3 });

  // Modify one, move one (keeps its id), delete one.
  const idOf = (rel: string) => rows(sb.db).find((x) => x.path === path.join(photos, rel))!.id;
  const rawId = idOf('a/raw.CR2');
  const videoId = idOf('b/clip.mp4');
  fs.writeFileSync(f['a/IMG_1.JPG']!, 'one, edited');
  age(f['a/IMG_1.JPG']!, DAY / 2);
  fs.mkdirSync(path.join(photos, 'c'));
  fs.renameSync(f['a/raw.CR2']!, path.join(photos, 'c', 'renamed.cr2'));
  fs.rmSync(f['b/clip.mp4']!);
  const third = await sb.run(['--json', 'scan', '--no-extract', photos]);
  assert.equal(third.code, 0, third.stderr);
  const s3 = lastJson(third.stdout).scan;
  assert.deepEqual(
    { new: s3.new, modified: s3.modified, moved: s3.moved, deleted: s3.deleted, unchanged: s3.unchanged },
    { new: 0, modified: 1, moved: 1, deleted: 1, unchanged: 0 },
  );
  r = rows(sb.db);
  assert.equal(r.find((x) => x.path.endsWith('renamed.cr2'))!.id, rawId, 'a moved file keeps its id');
  assert.equal(r.find((x) => x.id === videoId)!.state, 'deleted', 'deletion is soft');

  const status = await sb.run(['--json', 'status']);
  assert.equal(status.code, 0, status.stderr);
  const st = lastJson(status.stdout);
  assert.deepEqual({ total: st.files.total, offline: st.files.offline, deleted: st.files.deleted }, { total: 2, offline: 0, deleted: 1 });
  assert.equal(st.roots.length, 1);
  assert.equal(st.lastScan.moved, 1);
  assert.equal(typeof st.stages, 'object');
  const human = await sb.run(['status']);
  assert.match(human.stdout, /2 files/, human.stderr);
});

test('a changed sidecar updates only the sidecar; --exclude and --hidden shape the walk', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'lib');
  const f = makeTree(root, { 'x/P.jpg': 'p', 'x/P.xmp': 'v1', 'skip/Q.jpg': 'q', '.dot/R.jpg': 'r', 'x/S.Tmp.jpg': 's' });
  for (const p of Object.values(f)) age(p, DAY);
  const a = lastJson((await sb.run(['--json', 'scan', '--no-extract', '--exclude', 'skip', '--exclude', '*.tmp.jpg', root])).stdout);
  assert.equal(a.scan.new, 1, 'only x/P.jpg: skip/ and *.tmp.jpg excluded, .dot hidden');
  fs.writeFileSync(f['x/P.xmp']!, 'v2 longer');
  const b = lastJson((await sb.run(['--json', 'scan', '--no-extract', '--hidden', '--exclude', 'skip', '--exclude', '*.tmp.jpg', root])).stdout);
  assert.deepEqual({ new: b.scan.new, modified: b.scan.modified, sidecars: b.scan.sidecars }, { new: 1, modified: 0, sidecars: 1 });
});

test('bad input exits 2 with one line naming the cause', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const file = makeTree(sb.dir, { 'plain.jpg': 'x' })['plain.jpg']!;
  const missing = await sb.run(['scan', path.join(sb.dir, 'nope')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^indexer: root .*nope: no such folder\n$/);
  const asFile = await sb.run(['scan', file]);
  assert.equal(asFile.code, 2);
  assert.match(asFile.stderr, /is a file, not a folder/);
  const badSettle = await sb.run(['scan', '--settle', 'soon', sb.dir]);
  assert.equal(badSettle.code, 2);
  const noRoots = await sb.run(['scan']);
  assert.equal(noRoots.code, 2);
  assert.match(noRoots.stderr, /no roots/);
  assert.equal(fs.existsSync(sb.db + '.lock'), false, 'the lock is released on errors');
});

test('scan runs phase 2 unless --no-extract, and --json ends with the summary line', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'p');
  age(makeTree(root, { 'one.jpg': 'not really a jpeg' })['one.jpg']!, DAY);
  const res = await sb.run(['--json', 'scan', root]);
  assert.ok(res.code === 0, res.stderr);
  const out = lastJson(res.stdout);
  assert.equal(out.scan.new, 1);
  assert.notEqual(out.extract, null);
  for (const line of res.stdout.trim().split('\n').slice(0, -1)) assert.ok('event' in JSON.parse(line), line);
});
