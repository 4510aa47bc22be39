/**
 * Folder digests: an unchanged folder is counted without reading its rows, and no digest may ever hide a change.
 * Each scenario scans once (which stores the digests), changes something, and checks the next scans see it.
 */
import '../temp.js';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../src/catalog/open.js';
import { forEachBackend, type Backend } from '../helpers/backends.js';
import { filesCatalog } from '../../src/catalog/files.js';
import { zeroCounts } from '../../src/catalog/scans.js';
import { processFolder } from '../../src/scan/folder.js';
import { listedFromGroup, listedFromThread } from '../../src/scan/listed-folder.js';
import { scanRoots, type ScanSettings } from '../../src/scan/scanner.js';
import { folderContext, statListed } from './folder-helpers.js';

const settings: ScanSettings = { excludes: [], hidden: false, followSymlinks: false, settleMs: null };

/** A catalog of the backend (closed after the test) and a temp root of media (removed after it). */
function setup(backend: Backend, t: TestContext) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-digest-'));
  const db = backend.open(t);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  let now = Date.now();
  const root = path.join(dir, 'R');
  const scan = async (s: Partial<ScanSettings> = {}, signal?: AbortSignal, onProgress?: () => void) => {
    const res = await scanRoots([root], { ...settings, ...s }, {
      db, clock: { now: () => now }, signal: signal ?? new AbortController().signal,
      report: () => {}, warn: () => {}, onProgress,
    });
    const { new: added, modified, moved, deleted, unchanged, offline, settling, errors, sidecars } = res.counts;
    return { outcome: res.outcome, new: added, modified, moved, deleted, unchanged, offline, settling, errors, sidecars };
  };
  const write = (rel: string, content: string) => {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
    return abs;
  };
  return {
    dir, db, root, scan, write,
    advance: (ms: number) => (now += ms),
  };
}

/** Counts with every field zero unless given. */
function counts(c: Partial<Record<'new' | 'modified' | 'moved' | 'deleted' | 'unchanged' | 'offline' | 'settling' | 'errors' | 'sidecars', number>>) {
  return { outcome: 'complete', new: 0, modified: 0, moved: 0, deleted: 0, unchanged: 0, offline: 0, settling: 0, errors: 0, sidecars: 0, ...c };
}

function digests(db: Db): number {
  return db.prepare('SELECT count(*) FROM folder_digests').pluck().get() as number;
}

function row(db: Db, p: string): any {
  return db.prepare('SELECT * FROM files WHERE path = ?').get(p);
}

/** Two files in each of three folders, all a day old (so --settle never applies to them). */
function threeFolders(s: ReturnType<typeof setup>): void {
  const day = Date.now() / 1000 - 86_400;
  for (const d of ['a', 'b', 'c']) for (const f of ['1.jpg', '2.jpg']) fs.utimesSync(s.write(`${d}/${f}`, `${d}/${f}`), day, day);
}

forEachBackend((backend) => {
  test('an unchanged folder is counted from its digest without reading its rows; any change to its listing reads them', async (t) => {
    const s = setup(backend, t);
    s.write('one.jpg', 'one');
    s.write('one.jpg.xmp', 'sidecar');
    const rootId = s.db.prepare('INSERT INTO roots (path, added_at) VALUES (?, 0) RETURNING id').pluck().get(s.root) as number;
    const files = filesCatalog(s.db);
    let rowReads = 0;
    const stored: [string, string][] = [];
    const ctx = () =>
      folderContext(s.db, rootId, {
        files: { ...files, inFolder: (dir: string) => (rowReads++, files.inFolder(dir)) },
        storeDigest: (dir, digest) => stored.push([dir, digest]),
      });
    const pass = async (salt = 'salt') => {
      const folder = listedFromGroup({ dir: s.root, media: ['one.jpg'], sidecars: ['one.jpg.xmp'] });
      const stats = statListed(folder, salt);
      const c = ctx();
      await processFolder(folder, stats, c);
      files.setFolderDigests(stored.splice(0));
      return { unchanged: c.counts.unchanged, new: c.counts.new, sidecars: c.counts.sidecars, live: c.tally.live, skipped: c.unchangedFolders.size };
    };
    assert.deepEqual(await pass(), { unchanged: 0, new: 1, sidecars: 0, live: 1, skipped: 0 });
    assert.equal(rowReads, 1);
    assert.deepEqual(await pass(), { unchanged: 1, new: 0, sidecars: 0, live: 1, skipped: 1 });
    assert.equal(rowReads, 1, 'the matching digest spared reading the folder');
    s.write('one.jpg.xmp', 'sidecar, edited');
    assert.deepEqual(await pass(), { unchanged: 1, new: 0, sidecars: 1, live: 1, skipped: 0 });
    assert.equal(rowReads, 2);
    assert.deepEqual(await pass(), { unchanged: 1, new: 0, sidecars: 0, live: 1, skipped: 1 });
    assert.deepEqual(await pass('other settings'), { unchanged: 1, new: 0, sidecars: 0, live: 1, skipped: 0 });
    assert.equal(rowReads, 3, 'other walk settings read the folder again');
  });

  test('a rescan where one folder changed deletes only what vanished, not the rows of folders it skipped', async (t) => {
    const s = setup(backend, t);
    threeFolders(s);
    assert.deepEqual(await s.scan(), counts({ new: 6 }));
    assert.equal(digests(s.db), 3);
    assert.deepEqual(await s.scan(), counts({ unchanged: 6 }));
    fs.rmSync(path.join(s.root, 'b', '2.jpg'));
    assert.deepEqual(await s.scan(), counts({ unchanged: 5, deleted: 1 }));
    assert.equal(s.db.prepare("SELECT count(*) FROM files WHERE state = 'present'").pluck().get(), 5);
    assert.deepEqual(await s.scan(), counts({ unchanged: 5 }));
  });

  test('a folder that vanished and came back unchanged (same names, inodes and times) is new again, not unchanged', async (t) => {
    const s = setup(backend, t);
    threeFolders(s);
    await s.scan();
    const away = path.join(s.dir, 'away');
    fs.renameSync(path.join(s.root, 'b'), away);
    assert.deepEqual(await s.scan(), counts({ unchanged: 4, deleted: 2 }));
    fs.renameSync(away, path.join(s.root, 'b'));
    assert.deepEqual(await s.scan(), counts({ unchanged: 4, new: 2 }));
    assert.equal(row(s.db, path.join(s.root, 'b', '1.jpg')).state, 'present');
    assert.deepEqual(await s.scan(), counts({ unchanged: 6 }));
  });

  test('files moved between folders keep their ids, and the next scan finds every folder unchanged', async (t) => {
    const s = setup(backend, t);
    threeFolders(s);
    await s.scan();
    const from = path.join(s.root, 'a', '1.jpg');
    const to = path.join(s.root, 'c', 'moved.jpg');
    const id = row(s.db, from).id;
    fs.renameSync(from, to);
    assert.deepEqual(await s.scan(), counts({ unchanged: 5, moved: 1 }));
    assert.equal(row(s.db, to).id, id);
    assert.deepEqual(await s.scan(), counts({ unchanged: 6 }));
    fs.renameSync(to, from);
    assert.deepEqual(await s.scan(), counts({ unchanged: 5, moved: 1 }));
    assert.equal(row(s.db, from).id, id);
    assert.equal(row(s.db, from).state, 'present');
  });

  test('a root that went offline and came back brings its files back online', async (t) => {
    const s = setup(backend, t);
    threeFolders(s);
    await s.scan();
    fs.renameSync(s.root, s.root + '-away');
    assert.deepEqual(await s.scan(), counts({ offline: 6 }));
    assert.equal(digests(s.db), 0, 'marking the root offline dropped its digests');
    fs.renameSync(s.root + '-away', s.root);
    assert.deepEqual(await s.scan(), counts({ unchanged: 6 }));
    assert.equal(s.db.prepare("SELECT count(*) FROM files WHERE state = 'present'").pluck().get(), 6);
  });

  test('a settling file is examined again on every scan until it settles', async (t) => {
    const s = setup(backend, t);
    threeFolders(s);
    s.write('b/fresh.jpg', 'still being copied');
    const settle = { settleMs: 60_000 };
    assert.deepEqual(await s.scan(settle), counts({ new: 6, settling: 1 }));
    assert.deepEqual(await s.scan(settle), counts({ unchanged: 6, settling: 1 }));
    s.advance(120_000);
    assert.deepEqual(await s.scan(settle), counts({ unchanged: 6, new: 1 }));
    assert.deepEqual(await s.scan(settle), counts({ unchanged: 7 }));
  });

  test('changing --exclude or --hidden changes what is indexed, whatever the stored digests say', async (t) => {
    const s = setup(backend, t);
    threeFolders(s);
    s.write('a/.hidden.jpg', 'h');
    assert.deepEqual(await s.scan(), counts({ new: 6 }));
    assert.deepEqual(await s.scan({ hidden: true }), counts({ unchanged: 6, new: 1 }));
    assert.deepEqual(await s.scan({ hidden: true, excludes: ['2.jpg'] }), counts({ unchanged: 4, deleted: 3 }));
    assert.deepEqual(await s.scan({ hidden: true }), counts({ unchanged: 4, new: 3 }));
    assert.deepEqual(await s.scan({ hidden: true }), counts({ unchanged: 7 }));
  });

  test('a scan interrupted after a file vanished stores no digest that would hide it: the next scan deletes it', async (t) => {
    const s = setup(backend, t);
    threeFolders(s);
    await s.scan();
    fs.rmSync(path.join(s.root, 'a', '2.jpg'));
    fs.rmSync(path.join(s.root, 'b', '2.jpg'));
    fs.rmSync(path.join(s.root, 'c', '2.jpg'));
    // Stopped after the first folder: it was diffed (its leftover row must keep it from storing a digest), nothing swept.
    const ac = new AbortController();
    const stopped = await s.scan({}, ac.signal, () => ac.abort());
    assert.equal(stopped.outcome, 'interrupted');
    assert.equal(stopped.deleted, 0);
    assert.deepEqual(await s.scan(), counts({ unchanged: 3, deleted: 3 }));
  });

  test('an unreadable file leaves its folder without a digest, so it is looked at again', async (t) => {
    const s = setup(backend, t);
    threeFolders(s);
    const folder = listedFromGroup({ dir: path.join(s.root, 'a'), media: ['1.jpg', 'gone.jpg'], sidecars: [] });
    const stats = statListed(folder);
    const rootId = s.db.prepare('INSERT INTO roots (path, added_at) VALUES (?, 0) RETURNING id').pluck().get(s.root) as number;
    const stored: string[] = [];
    const c = zeroCounts();
    await processFolder(folder, stats, folderContext(s.db, rootId, { counts: c, report: () => c.errors++, storeDigest: (dir) => stored.push(dir) }));
    assert.deepEqual({ new: c.new, errors: c.errors, stored }, { new: 1, errors: 1, stored: [] });
  });
});

test('a folder stats the same names in the same order whether the walker thread or this one lists it', () => {
  const fromThread = listedFromThread('/p', 'b.jpg\0a.CR2', 'a.xmp\0b.jpg.xmp', 2);
  const fromGroup = listedFromGroup({ dir: '/p', media: ['b.jpg', 'a.CR2'], sidecars: ['a.xmp', 'b.jpg.xmp'] });
  assert.equal(fromThread.statNames, fromGroup.statNames);
  assert.deepEqual(fromThread.plan().names, fromGroup.plan().names);
  assert.deepEqual(fromThread.plan().names, fromThread.statNames.split('\0'));
  assert.equal(listedFromThread('/p', 'one.jpg', '', 1).statNames, 'one.jpg');
});
