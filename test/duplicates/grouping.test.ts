/** Complete linkage never chains unrelated photos; the keep rule picks the file a user would keep. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completeLinkage } from '../../src/duplicates/grouping.js';
import { chooseKeep, keepComparator } from '../../src/duplicates/keep.js';
import type { DuplicateCandidate } from '../../src/catalog/duplicates.js';

test('a chain of near neighbours (A~B~C~D, A far from C) does not become one group', () => {
  // 0-1, 1-2, 2-3 close; 0-2, 1-3, 0-3 not.
  const groups = completeLinkage(4, { a: [0, 1, 2], b: [1, 2, 3], d: [4, 4, 4] });
  for (const g of groups) {
    for (const x of g.members) for (const y of g.members) if (x !== y) assert.equal(Math.abs(x - y), 1, `members ${g.members} are not all close`);
  }
  assert.equal(groups.length, 2);
});

test('a clique becomes one group whose score is its largest distance; a loner joins none', () => {
  const groups = completeLinkage(5, { a: [0, 0, 1, 3], b: [1, 2, 2, 4], d: [2, 6, 4, 0] });
  const sorted = groups.map((g) => ({ members: [...g.members].sort(), diameter: g.diameter })).sort((x, y) => x.members[0]! - y.members[0]!);
  assert.deepEqual(sorted, [
    { members: [0, 1, 2], diameter: 6 },
    { members: [3, 4], diameter: 0 },
  ]);
});

function file(path: string, over: Partial<DuplicateCandidate> = {}): DuplicateCandidate {
  const ext = path.split('.').pop()!.toLowerCase();
  return { id: 0, path, kind: 'image', ext, size: 1000, mtimeMs: 0, identity: 'x', width: 4000, height: 3000, phash: null, takenAt: null, takenAtMs: null, metadataFields: 0, ...over };
}

test('keep: more pixels, original format over re-export, more metadata, oldest capture, older file, larger file, shorter path', () => {
  const keep = (files: DuplicateCandidate[], prefer: string[] = []) => chooseKeep(files, keepComparator(prefer)).path;
  assert.equal(keep([file('/a/half.jpg', { width: 2000, height: 1500 }), file('/a/full.png')]), '/a/full.png');
  assert.equal(keep([file('/a/export.png', { metadataFields: 9 }), file('/a/camera.jpg'), file('/a/export.webp')]), '/a/camera.jpg');
  assert.equal(keep([file('/a/bare.jpg'), file('/a/rich.jpg', { metadataFields: 5 })]), '/a/rich.jpg');
  assert.equal(keep([file('/a/new.jpg', { takenAtMs: 2000 }), file('/a/old.jpg', { takenAtMs: 1000 }), file('/a/none.jpg')]), '/a/old.jpg');
  assert.equal(keep([file('/a/edited.jpg', { mtimeMs: 9000, size: 5000 }), file('/a/first.jpg', { mtimeMs: 1000 })]), '/a/first.jpg');
  assert.equal(keep([file('/a/q55.jpg', { size: 500 }), file('/a/q90.jpg', { size: 900 })]), '/a/q90.jpg');
  assert.equal(keep([file('/backup/deep/x.jpg'), file('/b/x.jpg')]), '/b/x.jpg');
});

test('keep: --prefer wins over every other rule, as a folder or a glob, the first given first', () => {
  const files = [file('/photos/big.jpg', { metadataFields: 9 }), file('/archive/2019/small.jpg', { width: 10, height: 10 }), file('/nas/x.png')];
  const keep = (prefer: string[]) => chooseKeep(files, keepComparator(prefer)).path;
  assert.equal(keep([]), '/photos/big.jpg');
  assert.equal(keep(['/archive']), '/archive/2019/small.jpg');
  assert.equal(keep(['/**/*.png']), '/nas/x.png');
  assert.equal(keep(['/nas/**', '/archive']), '/nas/x.png');
  assert.equal(keep(['/elsewhere', '/archive/']), '/archive/2019/small.jpg');
});
