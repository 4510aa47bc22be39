import '../temp.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fg from 'fast-glob';
import { ignorePatterns, nestedRootPatterns } from '../../src/scan/excludes.js';
import { isSidecar, mediaKind } from '../../src/scan/media.js';
import { walkRoot } from '../../src/scan/walk.js';

/** Every kind of entry the exclude rules treat differently, in upper and lower case. */
const tree = [
  'a.jpg', 'A.XMP', 'notes.txt', 'sub/b.PNG', 'sub/b.png.xmp', 'sub/deeper/c.heic',
  '.hidden.jpg', '.dotdir/d.jpg', 'sub/.dotdir/e.jpg',
  '@eaDir/thumb.jpg', 'sub/@EADIR/thumb.jpg', '._a.jpg', 'sub/._b.png', '#recycle/r.jpg', 'x/#snapshot/s.jpg', '.git/g.jpg',
  'skip/q.jpg', 'sub/skip/q.jpg', 'sub/skipnot/q.jpg', 'x/S.Tmp.jpg', 'x/s.jpg',
  'exports/old/o.jpg', 'exports/new/n.jpg', 'sub/exports/old/o2.jpg',
  '2020 (best)/nested.jpg', '2020 (best)x/not-nested.jpg',
];
const userGlobs = ['skip', '*.tmp.jpg', '/exports/old'];

function makeTree(): { root: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-walk-'));
  const root = path.join(dir, 'root');
  for (const rel of tree) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), rel);
  }
  return { root, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function ours(root: string, ignore: string[], hidden: boolean): string[] {
  const walk = walkRoot({ root, ignore, hidden, followSymlinks: false }, () => false);
  const out: string[] = [];
  for (const g of walk.groups) for (const n of [...g.media, ...g.sidecars]) out.push(path.relative(root, path.join(g.dir, n)));
  assert.equal(walk.result().complete, true);
  return out.sort();
}

/** What fast-glob itself finds with the same patterns and the options phase 1 used with it. */
async function fastGlob(root: string, ignore: string[], hidden: boolean): Promise<string[]> {
  const all = await fg('**', { cwd: root, onlyFiles: true, dot: hidden, caseSensitiveMatch: false, ignore, followSymbolicLinks: false });
  const media = all.filter((p) => mediaKind(p) !== null || isSidecar(p));
  // Our walk yields only folders that hold media; a sidecar alone in a folder has no image to belong to.
  const withMedia = new Set(media.filter((p) => mediaKind(p) !== null).map((p) => path.dirname(p)));
  return media.filter((p) => withMedia.has(path.dirname(p))).sort();
}

test('the walk excludes exactly what fast-glob excludes with the same patterns, hidden or not', async (t) => {
  const { root, cleanup } = makeTree();
  t.after(cleanup);
  const ignore = [...ignorePatterns(userGlobs), ...nestedRootPatterns(root, [root, path.join(root, '2020 (best)')])];
  for (const hidden of [false, true]) {
    const expected = await fastGlob(root, ignore, hidden);
    assert.deepEqual(ours(root, ignore, hidden), expected, `hidden: ${hidden}`);
  }
  // And the rules did bite: spot checks that do not depend on fast-glob.
  const plain = ours(root, ignore, false);
  for (const kept of ['a.jpg', 'A.XMP', 'sub/b.PNG', 'sub/deeper/c.heic', 'sub/skipnot/q.jpg', 'x/s.jpg', 'exports/new/n.jpg', 'sub/exports/old/o2.jpg', '2020 (best)x/not-nested.jpg']) {
    assert.ok(plain.includes(kept), kept);
  }
  for (const gone of ['sub/@EADIR/thumb.jpg', '._a.jpg', 'skip/q.jpg', 'sub/skip/q.jpg', 'x/S.Tmp.jpg', 'exports/old/o.jpg', '2020 (best)/nested.jpg', '.dotdir/d.jpg']) {
    assert.ok(!plain.includes(gone), gone);
  }
  assert.ok(ours(root, ignore, true).includes('sub/.dotdir/e.jpg'), '--hidden walks hidden folders');
});

test('an unreadable or vanished folder is a problem, not a failure; a stopped walk is incomplete', async (t) => {
  const { root, cleanup } = makeTree();
  t.after(cleanup);
  const missing = walkRoot({ root: path.join(root, 'nope'), ignore: [], hidden: false, followSymlinks: false }, () => false);
  assert.deepEqual([...missing.groups], []);
  assert.deepEqual(missing.result().problems.map((p) => p.code), ['ENOENT']);
  let pulled = 0;
  const stopped = walkRoot({ root, ignore: [], hidden: false, followSymlinks: false }, () => pulled > 0);
  for (const _ of stopped.groups) pulled++;
  assert.equal(pulled, 1);
  assert.equal(stopped.result().complete, false);
});
