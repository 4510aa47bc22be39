import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KnownFile } from '../../src/catalog/files.js';
import { decideFile, isCoveredBy } from '../../src/scan/diff.js';

const known = (over: Partial<KnownFile> = {}): KnownFile => ({
  id: 7, rootId: 1, path: '/r/a.jpg', state: 'present', size: 100, mtimeMs: 1000, ino: '42',
  sidecarPath: null, sidecarSize: null, sidecarMtimeMs: null, ...over,
});
const seen = (over = {}) => ({ size: 100, mtimeMs: 1000, ino: '42', sidecar: null, ...over });

test('a path the catalog does not know is new', () => {
  assert.deepEqual(decideFile(seen(), null, null), { action: 'new' });
});

test('same size, mtime and inode is unchanged; any of them differing is modified', () => {
  assert.deepEqual(decideFile(seen(), known(), null), { action: 'unchanged', sidecarChanged: false, wasOffline: false });
  assert.deepEqual(decideFile(seen({ size: 101 }), known(), null), { action: 'modified' });
  assert.deepEqual(decideFile(seen({ mtimeMs: 1001 }), known(), null), { action: 'modified' });
  assert.deepEqual(decideFile(seen({ ino: '43' }), known(), null), { action: 'modified' });
});

test('an offline file met again is unchanged and flagged as back', () => {
  assert.deepEqual(decideFile(seen(), known({ state: 'offline' }), null), { action: 'unchanged', sidecarChanged: false, wasOffline: true });
});

test('a file back at the path of a deleted row is revived, even with identical stat', () => {
  assert.deepEqual(decideFile(seen(), known({ state: 'deleted' }), null), { action: 'revived' });
});

test('a sidecar appearing, changing or going away changes only the sidecar', () => {
  const sc = { path: '/r/a.jpg.xmp', size: 5, mtimeMs: 9 };
  assert.equal((decideFile(seen({ sidecar: sc }), known(), null) as any).sidecarChanged, true);
  const withSc = known({ sidecarPath: sc.path, sidecarSize: 5, sidecarMtimeMs: 9 });
  assert.equal((decideFile(seen({ sidecar: sc }), withSc, null) as any).sidecarChanged, false);
  assert.equal((decideFile(seen({ sidecar: { ...sc, mtimeMs: 10 } }), withSc, null) as any).sidecarChanged, true);
  assert.equal((decideFile(seen({ sidecar: { ...sc, path: '/r/a.xmp' } }), withSc, null) as any).sidecarChanged, true);
  assert.equal((decideFile(seen(), withSc, null) as any).sidecarChanged, true);
});

test('--settle holds back recent new or modified files, never unchanged ones', () => {
  assert.deepEqual(decideFile(seen({ mtimeMs: 5000 }), null, 4000), { action: 'settling' });
  assert.deepEqual(decideFile(seen({ mtimeMs: 5000, size: 1 }), known(), 4000), { action: 'settling' });
  assert.deepEqual(decideFile(seen({ mtimeMs: 3000 }), null, 4000), { action: 'new' });
  assert.equal(decideFile(seen({ mtimeMs: 1000 }), known(), 500).action, 'unchanged');
});

test('isCoveredBy matches a path or anything below it, not siblings sharing a prefix', () => {
  const dirs = new Set(['/r/locked', '/r/x.jpg']);
  assert.equal(isCoveredBy('/r/locked/a/b.jpg', dirs), true);
  assert.equal(isCoveredBy('/r/x.jpg', dirs), true);
  assert.equal(isCoveredBy('/r/locked2/b.jpg', dirs), false);
  assert.equal(isCoveredBy('/r/b.jpg', new Set()), false);
});
