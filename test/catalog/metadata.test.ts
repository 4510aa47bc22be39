/**
 * catalog/metadata.ts, derived.ts and videos.ts: what the thumbnail, exif, xmp and video stages store for a file, as
 * `info` shows it. What a user notices: values come back as written (numbers as numbers, NULLs as null), a re-run
 * replaces the row, a failed stage's old rows go, and a Live Photo's still finds its video.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import {
  deleteXmp, findFileByPath, getExif, getThumbnail, getXmp, identityShared, saveExif, saveThumbnail, saveXmp,
  stageOutcomes, type ExifRow,
} from '../../src/catalog/metadata.js';
import { deleteEmbeddingRow, deleteExifRow, deleteThumbnailRow } from '../../src/catalog/derived.js';
import { deleteVideo, getVideo, livePhotoPartner, saveVideo, type VideoRow } from '../../src/catalog/videos.js';
import { embeddingOf, recordModel, saveEmbedding } from '../../src/catalog/embeddings.js';
import { addFile, addRoot } from '../tasks/helpers.js';
import { forEachBackend } from '../helpers/backends.js';

const exif: ExifRow = {
  takenAt: '2024-05-01T10:20:30', takenAtMs: 1_714_558_830_000, takenAtSource: 'DateTimeOriginal', make: 'Canon',
  model: 'EOS R5', lens: 'RF24-70mm', iso: 400, exposureTime: 0.004, fNumber: 2.8, focalLength: 35.5, focalLength35: 35,
  gpsLat: 48.858844, gpsLon: -2.294351, gpsAlt: 35.25, orientation: 6, width: 8192, height: 5464, software: 'Firmware 1.8',
  tagsJson: '{"Make":"Canon"}',
};

const video: VideoRow = {
  durationSec: 12.5, width: 1920, height: 1080, rotation: 90, fps: 29.97, videoCodec: 'h264', audioCodec: 'aac',
  container: 'mov', bitRate: 15_000_000, posterSec: 1.25, motionPhoto: null, clipOffset: null, clipLength: null,
};

forEachBackend((backend) => {
  it('info reads back the thumbnail, EXIF and XMP as written; a re-run replaces them; a gone sidecar drops the XMP', (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/p');
    const id = addFile(db, root, { path: '/p/a.jpg', size: 4096, mtimeMs: 1_700_000_000_123 });
    const other = addFile(db, root, { path: '/p/b.jpg' });

    const file = findFileByPath(db, '/p/a.jpg')!;
    assert.deepEqual(
      { ...file, firstSeen: undefined, lastSeen: undefined },
      { id, path: '/p/a.jpg', kind: 'image', ext: 'jpg', size: 4096, mtimeMs: 1_700_000_000_123, identity: 'id-/p/a.jpg',
        state: 'present', sidecarPath: null, firstSeen: undefined, lastSeen: undefined },
    );
    assert.equal(findFileByPath(db, '/p/none.jpg'), null);

    assert.equal(getThumbnail(db, id), null);
    const thumb = { fileId: id, identity: 'id-/p/a.jpg', thumbPath: '/c/t.webp', previewPath: '/c/p.webp', width: 320, height: 240, thumbhash: 'abc' };
    saveThumbnail(db, thumb);
    assert.deepEqual(getThumbnail(db, id), thumb);
    saveThumbnail(db, { ...thumb, width: 640, thumbhash: null });
    assert.deepEqual(getThumbnail(db, id), { ...thumb, width: 640, thumbhash: null });

    assert.equal(getExif(db, id), null);
    saveExif(db, id, { ...exif, extra: 'ignored' } as ExifRow);
    assert.deepEqual(getExif(db, id), exif);
    const bare = Object.fromEntries(Object.keys(exif).map((k) => [k, null])) as unknown as ExifRow;
    saveExif(db, other, bare);
    assert.deepEqual(getExif(db, other), bare);
    saveExif(db, id, { ...exif, iso: 800, gpsLat: null });
    assert.deepEqual(getExif(db, id), { ...exif, iso: 800, gpsLat: null });

    const xmp = { rating: 4, label: 'Red', title: 'Eiffel', description: 'at night', keywords: '["paris","tower"]',
      hierarchical: '["places|paris"]', creator: 'Ann', rights: 'CC-BY', people: '["Bob"]', source: 'sidecar' };
    assert.equal(getXmp(db, id), null);
    saveXmp(db, id, xmp);
    assert.deepEqual(getXmp(db, id), xmp);
    saveXmp(db, id, { ...xmp, rating: -1, keywords: null });
    assert.deepEqual(getXmp(db, id), { ...xmp, rating: -1, keywords: null });
    deleteXmp(db, id);
    assert.equal(getXmp(db, id), null);
  });

  it("a stage that fails on a file's new bytes drops what it derived from the old ones; a copy's content is shared", (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/p');
    const id = addFile(db, root, { path: '/p/a.jpg' });
    const copy = addFile(db, root, { path: '/p/copy.jpg' });
    db.prepare(`UPDATE files SET identity = (SELECT identity FROM files WHERE id = ?) WHERE id = ?`).run(id, copy);
    saveThumbnail(db, { fileId: id, identity: 'x', thumbPath: '/t', previewPath: '/p', width: 1, height: 1, thumbhash: null });
    saveExif(db, id, exif);
    recordModel(db, { id: 'm@1', name: 'm', dir: '/models/m', dim: 2 }, 1);
    saveEmbedding(db, id, 'm@1', Float32Array.from([0.5, -0.25]), 2);
    deleteThumbnailRow(db, id);
    deleteExifRow(db, id);
    deleteEmbeddingRow(db, id);
    assert.deepEqual([getThumbnail(db, id), getExif(db, id), embeddingOf(db, id)], [null, null, null]);

    assert.equal(identityShared(db, 'id-/p/a.jpg', id), true, 'the copy holds the same content');
    db.prepare(`UPDATE files SET state = 'deleted' WHERE id = ?`).run(copy);
    assert.equal(identityShared(db, 'id-/p/a.jpg', id), false, 'a deleted copy shares nothing');
    db.prepare(`UPDATE files SET state = 'offline' WHERE id = ?`).run(copy);
    assert.equal(identityShared(db, 'id-/p/a.jpg', id), true, 'an offline copy keeps its cache');
  });

  it("the corpus report lists every present file's task outcomes by path and stage", (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/p');
    const b = addFile(db, root, { path: '/p/b.jpg' });
    const a = addFile(db, root, { path: '/p/a.jpg' });
    const gone = addFile(db, root, { path: '/p/0.jpg', state: 'deleted' });
    const task = db.prepare(`INSERT INTO tasks (file_id, stage, state, reason, fingerprint, max_attempts, created_at, updated_at)
      VALUES (?, ?, ?, ?, 'f', 3, 0, 0)`);
    task.run(b, 'exif', 'failed', 'bad header');
    task.run(a, 'thumbnail', 'done', null);
    task.run(a, 'exif', 'skipped', 'no exif');
    task.run(gone, 'exif', 'done', null);
    assert.deepEqual(stageOutcomes(db), [
      { path: '/p/a.jpg', stage: 'exif', state: 'skipped', reason: 'no exif' },
      { path: '/p/a.jpg', stage: 'thumbnail', state: 'done', reason: null },
      { path: '/p/b.jpg', stage: 'exif', state: 'failed', reason: 'bad header' },
    ]);
  });

  it("a video's probe is read back as written and replaced on a re-run; a Live Photo still finds its one video", (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/p');
    const still = addFile(db, root, { path: '/p/IMG_1.HEIC' });
    const clip = addFile(db, root, { path: '/p/IMG_1.MOV', kind: 'video' });
    addFile(db, root, { path: '/p/IMG_1.x.MOV', kind: 'video' }); // another stem
    addFile(db, root, { path: '/p/IMG_1/inner.MOV', kind: 'video' }); // a folder named like the stem
    addFile(db, root, { path: '/p/IMG_10.MOV', kind: 'video' });
    const lone = addFile(db, root, { path: '/p/IMG_2.HEIC' });
    addFile(db, root, { path: '/p/IMG_2.MOV', kind: 'video', state: 'deleted' });

    assert.equal(getVideo(db, clip), null);
    saveVideo(db, clip, video);
    assert.deepEqual(getVideo(db, clip), video);
    const motion = { ...video, motionPhoto: 'google', clipOffset: 123_456, clipLength: 789, bitRate: null } as VideoRow;
    saveVideo(db, clip, motion);
    assert.deepEqual(getVideo(db, clip), motion);
    deleteVideo(db, clip);
    assert.equal(getVideo(db, clip), null);

    assert.equal(livePhotoPartner(db, { id: still, path: '/p/IMG_1.HEIC', kind: 'image' }), '/p/IMG_1.MOV');
    assert.equal(livePhotoPartner(db, { id: clip, path: '/p/IMG_1.MOV', kind: 'video' }), '/p/IMG_1.HEIC');
    assert.equal(livePhotoPartner(db, { id: lone, path: '/p/IMG_2.HEIC', kind: 'image' }), null, 'its video was deleted');
    assert.equal(livePhotoPartner(db, { id: 0, path: '/p/noext', kind: 'image' }), null);
    addFile(db, root, { path: '/p/IMG_1.mp4', kind: 'video' });
    assert.equal(livePhotoPartner(db, { id: still, path: '/p/IMG_1.HEIC', kind: 'image' }), null, 'two videos: none is its pair');
  });
});
