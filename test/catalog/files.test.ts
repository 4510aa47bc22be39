/**
 * catalog/files.ts: the scan's file rows. What a user notices: a file met again unchanged costs no write, a moved
 * file keeps its id and everything computed for it, an unplugged root's files wait offline instead of disappearing,
 * a deleted file is only marked until its path comes back, and a folder whose rows change is walked again in full.
 */
import { it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { filesCatalog, type FileRecord } from '../../src/catalog/files.js';
import { rootsCatalog } from '../../src/catalog/roots.js';
import { scansCatalog } from '../../src/catalog/scans.js';
import { FakeClock } from '../tasks/helpers.js';
import { forEachBackend, type Backend } from '../helpers/backends.js';

function setup(backend: Backend, t: TestContext) {
  const db = backend.open(t);
  const clock = new FakeClock();
  const root = rootsCatalog(db).ensure('/photos', clock.now()).id;
  const scan = () => scansCatalog(db).start(['/photos'], clock.now());
  return { db, clock, root, scan, files: filesCatalog(db) };
}

function record(rootId: number, path: string, over: Partial<FileRecord> = {}): FileRecord {
  return { rootId, path, kind: 'image', ext: 'jpg', size: 1000, mtimeMs: 5000, ino: '77', dev: 1, identity: `content-of-${path}`, sidecar: null, ...over };
}

function row(db: ReturnType<typeof setup>['db'], id: number): Record<string, any> | undefined {
  return db.prepare(`SELECT * FROM files WHERE id = ?`).get(id) as Record<string, any> | undefined;
}

forEachBackend((backend) => {
  it('a file is read back from its folder; met again with the same stat, inode, root and sidecar it needs no write', (t) => {
    const { root, scan, files, db } = setup(backend, t);
    const sidecar = { path: '/photos/2024/a.jpg.xmp', size: 300, mtimeMs: 6000 };
    const id = files.insert(record(root, '/photos/2024/a.jpg', { sidecar }), scan(), 1);
    const folder = files.inFolder('/photos/2024');
    assert.deepEqual(folder.get('/photos/2024/a.jpg'), {
      id, rootId: root, path: '/photos/2024/a.jpg', state: 'present', size: 1000, mtimeMs: 5000, ino: '77',
      sidecarPath: sidecar.path, sidecarSize: 300, sidecarMtimeMs: 6000,
    });
    assert.equal(folder.get('/photos/2024/b.jpg'), null);
    assert.equal(folder.liveCount(), 1);
    assert.deepEqual(files.idsInFolder('/photos/2024'), [id]);
    assert.equal(folder.unchangedId('/photos/2024/a.jpg', root, 1000, 5000, '77', sidecar), id);
    // Any difference means the row must be diffed and written.
    assert.equal(folder.unchangedId('/photos/2024/a.jpg', root, 1001, 5000, '77', sidecar), null, 'size');
    assert.equal(folder.unchangedId('/photos/2024/a.jpg', root, 1000, 5001, '77', sidecar), null, 'mtime');
    assert.equal(folder.unchangedId('/photos/2024/a.jpg', root, 1000, 5000, '78', sidecar), null, 'inode');
    assert.equal(folder.unchangedId('/photos/2024/a.jpg', root, 1000, 5000, '77', null), null, 'sidecar gone');
    assert.equal(folder.unchangedId('/photos/2024/a.jpg', root, 1000, 5000, '77', { ...sidecar, size: 301 }), null, 'sidecar edited');
    assert.equal(folder.unchangedId('/photos/2024/a.jpg', root + 1, 1000, 5000, '77', sidecar), null, 'another root');
    files.markRootOffline(root);
    assert.equal(files.inFolder('/photos/2024').unchangedId('/photos/2024/a.jpg', root, 1000, 5000, '77', sidecar), null, 'offline');
    assert.equal(row(db, id)!.dir, '/photos/2024');
  });

  it('a moved file keeps its id, its finished tasks and its results; the row the walk added for the new path goes', (t) => {
    const { db, root, scan, files, clock } = setup(backend, t);
    const oldId = files.insert(record(root, '/photos/inbox/x.jpg', { identity: 'same-bytes' }), scan(), clock.now());
    db.prepare(`INSERT INTO exif (file_id, make, model) VALUES (?, 'Canon', 'EOS R')`).run(oldId);
    db.prepare(`INSERT INTO tasks (file_id, stage, state, fingerprint, max_attempts, created_at, updated_at) VALUES (?, 'exif', 'done', '1000:5000', 3, 0, 0)`).run(oldId);

    clock.advance(60_000);
    const second = scan();
    const newId = files.insert(record(root, '/photos/2024/x.jpg', { identity: 'same-bytes', ino: '99' }), second, clock.now());
    // Only a row this scan added is a move target: the old row itself, or one added by an earlier scan, is not.
    assert.equal(files.addedTwin('same-bytes', second - 1, oldId), undefined);
    const twin = files.addedTwin('same-bytes', second, oldId)!;
    assert.equal(twin.id, newId);
    assert.equal(twin.path, '/photos/2024/x.jpg');
    files.absorbMove(oldId, twin, second, clock.now());

    assert.equal(row(db, newId), undefined);
    const moved = row(db, oldId)!;
    assert.deepEqual([moved.path, moved.dir, moved.ino, moved.state, moved.last_seen], ['/photos/2024/x.jpg', '/photos/2024', '99', 'present', clock.now()]);
    assert.deepEqual(db.prepare(`SELECT make, model FROM exif WHERE file_id = ?`).get(oldId), { make: 'Canon', model: 'EOS R' });
    assert.equal((db.prepare(`SELECT state FROM tasks WHERE file_id = ?`).get(oldId) as { state: string }).state, 'done');
    assert.equal(files.inFolder('/photos/inbox').get('/photos/inbox/x.jpg'), null);
    assert.equal(files.inFolder('/photos/2024').get('/photos/2024/x.jpg')!.id, oldId);
  });

  it("an unplugged root's files go offline, never deleted; met again they are present with their ids", (t) => {
    const { db, root, scan, files, clock } = setup(backend, t);
    const first = scan();
    const a = files.insert(record(root, '/photos/a.jpg'), first, 1);
    const b = files.insert(record(root, '/photos/b.jpg'), first, 1);
    const gone = files.insert(record(root, '/photos/gone.jpg'), first, 1);
    files.markDeleted(gone, 2);
    assert.equal(files.markRootOffline(root), 2);
    assert.deepEqual([row(db, a)!.state, row(db, b)!.state, row(db, gone)!.state], ['offline', 'offline', 'deleted']);
    assert.equal(files.countLive(root), 2, 'offline files still count as the root\'s');

    clock.advance(1000);
    const back = scan();
    files.markBackOnline([a, b], back, clock.now());
    files.markBackOnline([], back, clock.now());
    assert.deepEqual([row(db, a)!.state, row(db, b)!.state, row(db, gone)!.state], ['present', 'present', 'deleted']);
    assert.deepEqual([row(db, a)!.seen_scan, row(db, a)!.last_seen], [back, clock.now()]);
  });

  it('a deleted file is marked, not dropped, and left out of the live files; back at its path it is present again', (t) => {
    const { db, root, scan, files } = setup(backend, t);
    const first = scan();
    const kept = files.insert(record(root, '/photos/kept.jpg'), first, 1);
    const id = files.insert(record(root, '/photos/a.jpg'), first, 1);
    db.prepare(`INSERT INTO exif (file_id, make) VALUES (?, 'Nikon')`).run(id);
    files.markDeleted(id, 500);
    files.markDeleted(id, 900);
    assert.deepEqual([row(db, id)!.state, row(db, id)!.deleted_at], ['deleted', 500], 'deleted once: the first time is kept');
    assert.equal(files.countLive(root), 1);
    assert.deepEqual(files.liveIds(root, () => true), [kept]);
    assert.deepEqual(files.liveIds(root, (i) => i !== kept), []);
    assert.deepEqual(files.describe([id]), [{ id, path: '/photos/a.jpg', identity: 'content-of-/photos/a.jpg' }]);
    assert.equal(files.inFolder('/photos').liveCount(), 1);

    files.updateContent(id, record(root, '/photos/a.jpg', { size: 2000, identity: 'new-bytes' }), scan(), 1000);
    const back = row(db, id)!;
    assert.deepEqual([back.state, back.deleted_at, back.size, back.identity], ['present', null, 2000, 'new-bytes']);
    assert.equal(files.countLive(root), 2);
  });

  it("a folder's digest is forgotten as soon as one of its rows changes, so the next scan lists it in full", (t) => {
    const { root, scan, files } = setup(backend, t);
    const first = scan();
    const a = files.insert(record(root, '/photos/a/1.jpg'), first, 1);
    files.insert(record(root, '/photos/b/1.jpg'), first, 1);
    files.setFolderDigests([['/photos/a', 'digest-a'], ['/photos/b', 'digest-b']]);
    assert.equal(files.folderDigest('/photos/a'), 'digest-a');
    assert.equal(files.folderDigest('/photos/c'), undefined);
    files.updateSidecar(a, { path: '/photos/a/1.jpg.xmp', size: 10, mtimeMs: 20 });
    assert.equal(files.folderDigest('/photos/a'), undefined);
    assert.equal(files.folderDigest('/photos/b'), 'digest-b', "another folder's digest stays");
    assert.deepEqual(files.inFolder('/photos/a').get('/photos/a/1.jpg')!.sidecarSize, 10);
    files.updateSidecar(a, null);
    assert.equal(files.inFolder('/photos/a').get('/photos/a/1.jpg')!.sidecarPath, null);
  });

  it('a root added inside an older one takes over its files', (t) => {
    const { db, root, scan, files, clock } = setup(backend, t);
    const id = files.insert(record(root, '/photos/2024/a.jpg'), scan(), 1);
    const inner = rootsCatalog(db).ensure('/photos/2024', clock.now()).id;
    files.reroot(id, inner);
    assert.equal(files.inFolder('/photos/2024').unchangedId('/photos/2024/a.jpg', inner, 1000, 5000, '77', null), id);
    assert.equal(files.countLive(root), 0);
    assert.equal(files.countLive(inner), 1);
  });
});
