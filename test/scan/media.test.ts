import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyName, isSidecar, matchSidecars, mediaKind } from '../../src/scan/media.js';
import { ignorePatterns, nestedRootPatterns } from '../../src/scan/excludes.js';

test('media kinds by extension, case-insensitively; everything else is ignored', () => {
  assert.equal(mediaKind('/a/IMG_1.JPG'), 'image');
  assert.equal(mediaKind('x.HeIc'), 'image');
  assert.equal(mediaKind('x.cr3'), 'raw');
  assert.equal(mediaKind('x.RW2'), 'raw');
  assert.equal(mediaKind('clip.3gp'), 'video');
  assert.equal(mediaKind('x.txt'), null);
  assert.equal(mediaKind('jpg'), null);
  assert.equal(mediaKind('x.jpg.xmp'), null);
  assert.equal(isSidecar('X.XMP'), true);
});

test('the walk classifies a bare name as mediaKind and isSidecar do', () => {
  const names = ['IMG_1.JPG', 'x.HeIc', 'x.cr3', 'clip.3gp', 'x.txt', 'jpg', '.jpg', '..jpg', '...jpg', 'a.', '..', '...',
    'x.jpg.xmp', 'X.XMP', '.xmp', 'a.b.png', 'noext', 'x.jpeg ', 'x.jpg~', 'x.TIFF', 'x.WebM', 'x.Xmp', 'x.j', 'x.mpeg4'];
  for (const n of names) {
    const expected = mediaKind(n) !== null ? 'media' : isSidecar(n) ? 'sidecar' : null;
    assert.equal(classifyName(n), expected, n);
  }
  assert.deepEqual(['a.jpg', '.jpg', 'A.XMP', 'b.txt'].map(classifyName), ['media', null, 'sidecar', null]);
});

test('IMG.jpg.xmp is preferred over IMG.xmp; IMG.xmp is shared by a RAW+JPEG pair', () => {
  const m = matchSidecars(['IMG.jpg', 'IMG.CR2', 'other.jpg', 'solo.png'], ['IMG.xmp', 'img.JPG.xmp', 'unrelated.xmp']);
  assert.equal(m.get('IMG.jpg'), 'img.JPG.xmp');
  assert.equal(m.get('IMG.CR2'), 'IMG.xmp');
  assert.equal(m.has('other.jpg'), false);
  assert.equal(m.has('solo.png'), false);
});

test('excludes: defaults always, bare globs at any depth, slashed globs anchored at the root', () => {
  const p = ignorePatterns(['tmp', '/exports/old']);
  for (const d of ['**/@eaDir', '**/._*', '**/#recycle/**', '**/#snapshot', '**/.git/**', '**/tmp', '**/tmp/**', 'exports/old/**']) {
    assert.ok(p.includes(d), d);
  }
});

test('other roots inside a root are skipped by its walk, escaped for glob characters', () => {
  assert.deepEqual(nestedRootPatterns('/p', ['/p', '/q', '/p/2020 (best)', '/pp']), ['2020 \\(best\\)', '2020 \\(best\\)/**']);
});
