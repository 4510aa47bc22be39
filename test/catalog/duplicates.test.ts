/**
 * catalog/duplicates.ts: what `indexer duplicates` reads. What a user notices: only present files are candidates,
 * a perceptual hash of older content is not trusted, the keep rule sees the capture time and how much metadata each
 * copy carries, and a full-file hash is computed once per size and mtime.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cachedContentHash, duplicateDetails, duplicateKeys, saveContentHash, savePerceptualHash, sharedIdentities, thumbPaths,
} from '../../src/catalog/duplicates.js';
import { saveExif, saveThumbnail, saveXmp, type ExifRow } from '../../src/catalog/metadata.js';
import { addFile, addRoot } from '../tasks/helpers.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend((backend) => {
  it('candidates are present files with their current hash; details carry what the keep rule weighs', (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/p');
    const a = addFile(db, root, { path: '/p/a.jpg', size: 500, mtimeMs: 7 });
    const b = addFile(db, root, { path: '/p/b.JPG', size: 600 });
    const v = addFile(db, root, { path: '/p/v.mov', kind: 'video' });
    const gone = addFile(db, root, { path: '/p/gone.jpg', state: 'deleted' });
    addFile(db, root, { path: '/p/off.jpg', state: 'offline' });
    db.prepare(`UPDATE files SET identity = 'same' WHERE id IN (?, ?, ?)`).run(a, b, gone);
    savePerceptualHash(db, a, 'same', 'ffff0000ffff0000');
    savePerceptualHash(db, b, 'older-content', '0123456789abcdef');
    savePerceptualHash(db, gone, 'same', 'ffff0000ffff0000');

    assert.deepEqual(duplicateKeys(db, false), [
      { id: a, kind: 'image', identity: 'same', phash: 'ffff0000ffff0000' },
      { id: b, kind: 'image', identity: 'same', phash: null },
      { id: v, kind: 'video', identity: 'id-/p/v.mov', phash: null },
    ]);
    assert.deepEqual(duplicateKeys(db, true).map((k) => k.path), ['/p/a.jpg', '/p/b.JPG', '/p/v.mov']);
    assert.deepEqual([...sharedIdentities(db)], ['same'], 'a deleted copy does not make a pair');

    saveThumbnail(db, { fileId: a, identity: 'same', thumbPath: '/c/a.webp', previewPath: '/c/pa.webp', width: 4000, height: 3000, thumbhash: null });
    saveExif(db, a, { make: 'Canon', model: 'R5', iso: 100, takenAt: '2024-01-02T03:04:05', takenAtMs: 1_704_164_645_000, takenAtSource: 'DateTimeOriginal' } as ExifRow);
    saveExif(db, b, { make: 'Canon', takenAt: '2023-01-01T00:00:00', takenAtMs: 1_672_531_200_000, takenAtSource: 'mtime' } as ExifRow);
    saveXmp(db, a, { rating: 5, label: null, title: 'Sea', description: null, keywords: '["sea"]', hierarchical: null, creator: null, rights: null, people: null, source: 'sidecar' });

    const details = duplicateDetails(db, [a, b, 999]);
    assert.deepEqual([...details.keys()].sort(), [a, b].sort());
    assert.deepEqual(details.get(a), {
      id: a, path: '/p/a.jpg', kind: 'image', ext: 'jpg', size: 500, mtimeMs: 7, identity: 'same', width: 4000, height: 3000,
      phash: 'ffff0000ffff0000', takenAt: '2024-01-02T03:04:05', takenAtMs: 1_704_164_645_000,
      metadataFields: 3 + 1 + 3, // make, model, iso; a capture time read from the file; rating, title, keywords
    });
    assert.deepEqual(details.get(b), {
      id: b, path: '/p/b.JPG', kind: 'image', ext: 'jpg', size: 600, mtimeMs: 1000, identity: 'same', width: null, height: null,
      phash: null, takenAt: null, takenAtMs: null, metadataFields: 1, // an mtime is not a capture time
    });
    assert.equal(duplicateDetails(db, []).size, 0);
    assert.deepEqual([...thumbPaths(db, [a, b]).entries()], [[a, '/c/a.webp']]);
  });

  it('a full-file hash is reused while the size and mtime match, and replaced when the file changes', (t) => {
    const db = backend.open(t);
    const id = addFile(db, addRoot(db, '/p'), { path: '/p/a.jpg' });
    assert.equal(cachedContentHash(db, id, 100, 1000), null);
    saveContentHash(db, id, 100, 1_700_000_000_123, 'aa'.repeat(32));
    assert.equal(cachedContentHash(db, id, 100, 1_700_000_000_123), 'aa'.repeat(32));
    assert.equal(cachedContentHash(db, id, 101, 1_700_000_000_123), null, 'another size');
    assert.equal(cachedContentHash(db, id, 100, 1_700_000_000_124), null, 'another mtime');
    saveContentHash(db, id, 101, 5, 'bb'.repeat(32));
    assert.equal(cachedContentHash(db, id, 101, 5), 'bb'.repeat(32));
    assert.equal(cachedContentHash(db, id, 100, 1_700_000_000_123), null, 'the old hash is gone');
  });
});
