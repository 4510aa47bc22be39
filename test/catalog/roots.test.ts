/**
 * catalog/roots.ts, root-admin.ts and overview.ts: the roots a user added and what `status` and `roots` count for
 * them. What a user notices: a root is added once and keeps its settings, `status` counts files per kind and state,
 * `roots remove` forgets a root with everything computed for it, `roots move` keeps every id and refuses a clash.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { rootsCatalog } from '../../src/catalog/roots.js';
import { listRoots, moveRoot, removeRoot, RootMoveConflict, rootIdByPath } from '../../src/catalog/root-admin.js';
import { filesOverview, rootsOverview } from '../../src/catalog/overview.js';
import { saveExif, getExif, type ExifRow } from '../../src/catalog/metadata.js';
import { embeddingCount, recordModel, saveEmbedding } from '../../src/catalog/embeddings.js';
import { scansCatalog } from '../../src/catalog/scans.js';
import { addFile } from '../tasks/helpers.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend((backend) => {
  it('a root is added once, keeps its excludes, goes offline and back, and records its last complete walk', (t) => {
    const db = backend.open(t);
    const roots = rootsCatalog(db);
    const photos = roots.ensure('/photos', 1000);
    assert.deepEqual(photos, { id: photos.id, path: '/photos', addedAt: 1000, lastScanAt: null, online: true, lastCompleteScan: null, excludes: [] });
    assert.deepEqual(roots.ensure('/photos', 2000), photos, 'added once: the first time is kept');
    const archive = roots.ensure('/archive', 3000);
    roots.setExcludes(photos.id, ['**/*.tmp', '.git']);
    roots.setOnline(archive.id, false);
    const scan = scansCatalog(db).start(['/photos'], 4000);
    roots.markComplete(photos.id, scan, 5000);
    assert.deepEqual(roots.list(), [
      { ...archive, online: false },
      { ...photos, excludes: ['**/*.tmp', '.git'], lastScanAt: 5000, lastCompleteScan: scan },
    ]);
    roots.markComplete(archive.id, scan, 6000);
    assert.equal(roots.list()[0]!.online, true, 'a complete walk brings the root online');
    roots.setExcludes(photos.id, []);
    roots.forget(archive.id);
    assert.deepEqual(roots.list().map((r) => [r.path, r.excludes]), [['/photos', []]]);
  });

  it('status counts files per kind and state, and per root (deleted files are history, not counted)', (t) => {
    const db = backend.open(t);
    const roots = rootsCatalog(db);
    const a = roots.ensure('/a', 1).id;
    const b = roots.ensure('/b', 2).id;
    roots.ensure('/c', 3);
    addFile(db, a, { path: '/a/1.jpg' });
    addFile(db, a, { path: '/a/2.jpg', state: 'offline' });
    addFile(db, a, { path: '/a/3.mov', kind: 'video' });
    addFile(db, a, { path: '/a/4.jpg', state: 'deleted' });
    addFile(db, b, { path: '/b/1.cr2', kind: 'raw', state: 'offline' });
    roots.setOnline(b, false);
    roots.setExcludes(a, ['*.tmp']);

    assert.deepEqual(filesOverview(db), {
      total: 4, present: 2, offline: 2, deleted: 1,
      byKind: { image: { present: 1, offline: 1, deleted: 1 }, video: { present: 1 }, raw: { offline: 1 } },
    });
    assert.deepEqual(
      rootsOverview(db).map(({ path, online, addedAt, lastScanAt, files, offline }) => ({ path, online, addedAt, lastScanAt, files, offline })),
      [
        { path: '/a', online: true, addedAt: 1, lastScanAt: null, files: 3, offline: 1 },
        { path: '/b', online: false, addedAt: 2, lastScanAt: null, files: 1, offline: 1 },
        { path: '/c', online: true, addedAt: 3, lastScanAt: null, files: 0, offline: 0 },
      ],
    );
    assert.deepEqual(
      listRoots(db).map(({ path, online, present, offline, deleted, excludes }) => ({ path, online, present, offline, deleted, excludes })),
      [
        { path: '/a', online: true, present: 2, offline: 1, deleted: 1, excludes: ['*.tmp'] },
        { path: '/b', online: false, present: 0, offline: 1, deleted: 0, excludes: [] },
        { path: '/c', online: true, present: 0, offline: 0, deleted: 0, excludes: [] },
      ],
    );
    assert.equal(rootIdByPath(db, '/b'), b);
    assert.equal(rootIdByPath(db, '/b/'), undefined);
  });

  it('removing a root forgets its files and everything computed for them; other roots keep theirs', (t) => {
    const db = backend.open(t);
    const roots = rootsCatalog(db);
    const a = roots.ensure('/a', 1).id;
    const b = roots.ensure('/b', 1).id;
    const gone = addFile(db, a, { path: '/a/1.jpg' });
    addFile(db, a, { path: '/a/2.jpg', state: 'deleted' });
    const kept = addFile(db, b, { path: '/b/1.jpg' });
    recordModel(db, { id: 'm@1', name: 'm', dir: '/m', dim: 1 }, 1);
    for (const id of [gone, kept]) {
      saveExif(db, id, { make: 'Canon' } as ExifRow);
      saveEmbedding(db, id, 'm@1', Float32Array.from([1]), 1);
      db.prepare(`INSERT INTO tasks (file_id, stage, state, fingerprint, max_attempts, created_at, updated_at) VALUES (?, 'exif', 'done', 'f', 3, 0, 0)`).run(id);
    }
    assert.equal(removeRoot(db, a), 2);
    assert.deepEqual(listRoots(db).map((r) => r.path), ['/b']);
    assert.equal(getExif(db, gone), null);
    assert.equal(getExif(db, kept)!.make, 'Canon');
    assert.equal(embeddingCount(db, 'm@1'), 1);
    assert.deepEqual(db.prepare(`SELECT file_id AS "fileId" FROM tasks`).all(), [{ fileId: kept }]);
  });

  it('moving a root rewrites every path below it and keeps the ids; a clash refuses the move and changes nothing', (t) => {
    const db = backend.open(t);
    const roots = rootsCatalog(db);
    const old = roots.ensure('/mnt/old', 1).id;
    const other = roots.ensure('/mnt/other', 1).id;
    const a = addFile(db, old, { path: '/mnt/old/2024/a.jpg' });
    db.prepare(`UPDATE files SET sidecar_path = '/mnt/old/2024/a.jpg.xmp', dir = '/mnt/old/2024' WHERE id = ?`).run(a);
    const twin = addFile(db, other, { path: '/mnt/oldies/x.jpg' }); // shares the prefix text, not the folder
    db.prepare(`UPDATE files SET dir = '/mnt/oldies' WHERE id = ?`).run(twin);
    const paths = () => db.prepare(`SELECT id, path, dir, sidecar_path AS "sidecarPath" FROM files ORDER BY id`).all();
    const before = paths();

    assert.throws(() => moveRoot(db, old, '/mnt/old', '/mnt/other'), RootMoveConflict, 'the new path is a root already');
    addFile(db, other, { path: '/mnt/new/2024/a.jpg' });
    assert.throws(() => moveRoot(db, old, '/mnt/old', '/mnt/new'), /\/mnt\/new\/2024\/a\.jpg is already in the catalog/);
    db.prepare(`DELETE FROM files WHERE path = '/mnt/new/2024/a.jpg'`).run();
    assert.deepEqual(paths(), before, 'a refused move changes nothing');
    assert.equal(rootIdByPath(db, '/mnt/old'), old);

    assert.equal(moveRoot(db, old, '/mnt/old', '/mnt/new'), 1);
    assert.deepEqual(paths(), [
      { id: a, path: '/mnt/new/2024/a.jpg', dir: '/mnt/new/2024', sidecarPath: '/mnt/new/2024/a.jpg.xmp' },
      { id: twin, path: '/mnt/oldies/x.jpg', dir: '/mnt/oldies', sidecarPath: null },
    ]);
    assert.equal(rootIdByPath(db, '/mnt/new'), old);
    assert.equal(rootIdByPath(db, '/mnt/old'), undefined);
  });
});
