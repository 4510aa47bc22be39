import '../temp.js';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../src/catalog/open.js';
import { backendNamed, forEachBackend, type Backend } from '../helpers/backends.js';
import { scanRoots, type ScanSettings } from '../../src/scan/scanner.js';
import { fileIdentity } from '../../src/scan/identity.js';
import type { ScanProblem } from '../../src/scan/problems.js';
import { processFolder } from '../../src/scan/folder.js';
import { listedFromGroup } from '../../src/scan/listed-folder.js';
import { zeroCounts } from '../../src/catalog/scans.js';
import { folderContext, statListed } from './folder-helpers.js';

const settings: ScanSettings = { excludes: [], hidden: false, followSymlinks: false, settleMs: null };

/** A catalog of the backend (closed after the test) and a temp folder of media (removed after it). */
function setup(backend: Backend, t: TestContext) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-scanner-'));
  const db = backend.open(t);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  let now = 1_000_000;
  const clock = { now: () => now };
  const problems: ScanProblem[] = [];
  const scan = (roots: string[], s: Partial<ScanSettings> = {}, signal = new AbortController().signal, onProgress?: () => void, env: NodeJS.ProcessEnv = {}) =>
    scanRoots(roots, { ...settings, ...s }, { db, clock, signal, report: (p) => problems.push(p), warn: () => {}, onProgress, env });
  const write = (rel: string, content: string | Buffer) => {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
    return abs;
  };
  return { dir, db, clock: { advance: (ms: number) => (now += ms) }, scan, write, problems };
}

function row(db: Db, p: string): any {
  return db.prepare('SELECT * FROM files WHERE path = ?').get(p);
}

test('identity hashes size + first and last 64 KiB, so it ignores the middle and the path', async (t) => {
  const s = setup(backendNamed('sqlite'), t);
  const big = Buffer.alloc(300 * 1024, 1);
  const a = s.write('a.bin', big);
  const middle = Buffer.from(big);
  middle[150 * 1024] = 2;
  const b = s.write('sub/b.bin', middle);
  const tail = Buffer.from(big);
  tail[tail.length - 1] = 2;
  const c = s.write('c.bin', tail);
  const ia = await fileIdentity(a, big.length);
  assert.match(ia, /^[0-9a-f]{64}$/);
  assert.equal(await fileIdentity(b, big.length), ia);
  assert.notEqual(await fileIdentity(c, big.length), ia);
  assert.notEqual(await fileIdentity(s.write('small.bin', 'x'), 1), await fileIdentity(s.write('small2.bin', 'y'), 1));
});

// The walker's own behaviour (buffering, the stat thread): one backend is enough, and thousands of files on
// PostgreSQL would cost seconds for nothing the catalog tests below do not cover.
test('a walk larger than the buffer limit, in many folders, sees every file once', async (t) => {
  const s = setup(backendNamed('sqlite'), t);
  const root = path.join(s.dir, 'big');
  // 5000 media files (over the 4096-entry high-water mark) plus a 3000-file folder and non-media noise.
  for (let d = 0; d < 40; d++) for (let i = 0; i < 50; i++) s.write(`big/d${d}/f${i}.jpg`, '');
  for (let i = 0; i < 3000; i++) s.write(`big/huge/f${i}.webp`, '');
  for (let i = 0; i < 200; i++) s.write(`big/noise/f${i}.txt`, '');
  const first = await s.scan([root]);
  assert.equal(first.counts.new, 5000);
  const second = await s.scan([root]);
  assert.deepEqual({ unchanged: second.counts.unchanged, new: second.counts.new, deleted: second.counts.deleted }, { unchanged: 5000, new: 0, deleted: 0 });
});

test('the walker thread and the main thread share the stat() work: every file seen once, as on the main thread alone', async (t) => {
  const s = setup(backendNamed('sqlite'), t);
  const root = path.join(s.dir, 'many');
  // Many small folders, so both threads take some, plus sidecars and files the diff must see as changed.
  for (let d = 0; d < 120; d++) for (let i = 0; i < 12; i++) s.write(`many/d${d}/f${i}.jpg`, `${d}/${i}`);
  for (let d = 0; d < 120; d += 10) s.write(`many/d${d}/f0.xmp`, 'sidecar');
  const first = await s.scan([root]);
  assert.equal(first.counts.new, 1440);
  s.write('many/d7/f3.jpg', 'changed, and longer than before');
  fs.rmSync(path.join(root, 'd8', 'f4.jpg'));
  s.write('many/d9/added.jpg', 'a new file with new content');
  s.write('many/d20/f0.xmp', 'sidecar, changed');
  for (const env of [{}, { INDEXER_SCAN_STAT_WORKER: '0' }]) {
    const res = await s.scan([root], {}, undefined, undefined, env);
    const c = res.counts;
    assert.deepEqual(
      { unchanged: c.unchanged, modified: c.modified, new: c.new, deleted: c.deleted, sidecars: c.sidecars, errors: c.errors },
      env.INDEXER_SCAN_STAT_WORKER
        ? { unchanged: 1440, modified: 0, new: 0, deleted: 0, sidecars: 0, errors: 0 }
        : { unchanged: 1438, modified: 1, new: 1, deleted: 1, sidecars: 1, errors: 0 },
      JSON.stringify(env),
    );
  }
});

forEachBackend((backend) => {
  test('a file moved from one root to another in the same scan keeps its id', async (t) => {
    const s = setup(backend, t);
    const a = path.join(s.dir, 'A');
    const b = path.join(s.dir, 'B');
    const src = s.write('A/pic.jpg', 'unique content');
    s.write('B/other.jpg', 'other');
    s.write('A/stays.jpg', 'stays'); // an emptied root would count as unmounted (offline)
    await s.scan([a, b]);
    const id = row(s.db, src).id;
    fs.renameSync(src, path.join(b, 'pic.jpg'));
    const res = await s.scan([a, b]);
    assert.deepEqual({ moved: res.counts.moved, new: res.counts.new, deleted: res.counts.deleted }, { moved: 1, new: 0, deleted: 0 });
    const moved = row(s.db, path.join(b, 'pic.jpg'));
    assert.equal(moved.id, id);
    assert.equal(moved.root_id, res.rootIds[1]);
  });

  test('two identical copies vanishing and reappearing pair up one to one', async (t) => {
    const s = setup(backend, t);
    const root = path.join(s.dir, 'R');
    const one = s.write('R/x/1.jpg', 'same bytes');
    const two = s.write('R/x/2.jpg', 'same bytes');
    await s.scan([root]);
    fs.renameSync(path.join(root, 'x'), path.join(root, 'y'));
    const res = await s.scan([root]);
    assert.deepEqual({ moved: res.counts.moved, new: res.counts.new, deleted: res.counts.deleted }, { moved: 2, new: 0, deleted: 0 });
    assert.equal(s.db.prepare("SELECT count(*) FROM files WHERE state = 'present'").pluck().get(), 2);
    assert.ok(one && two);
  });

  test('an aborted walk marks nothing deleted and records an interrupted scan', async (t) => {
    const s = setup(backend, t);
    const root = path.join(s.dir, 'R');
    for (let d = 0; d < 30; d++) for (let i = 0; i < 10; i++) s.write(`R/d${d}/${i}.png`, `${d}.${i}`);
    await s.scan([root]);
    fs.rmSync(path.join(root, 'd29'), { recursive: true });
    const ac = new AbortController();
    const res = await s.scan([root], {}, ac.signal, () => ac.abort());
    assert.equal(res.outcome, 'interrupted');
    assert.equal(res.counts.deleted, 0);
    assert.equal(s.db.prepare("SELECT count(*) FROM files WHERE state = 'deleted'").pluck().get(), 0);
    assert.equal(s.db.prepare('SELECT outcome FROM scans ORDER BY id DESC').pluck().get(), 'interrupted');
  });

  test('a root nested in another is walked as its own root, not twice', async (t) => {
    const s = setup(backend, t);
    const inner = s.write('P/2020/a.jpg', 'a');
    s.write('P/b.jpg', 'b');
    await s.scan([path.join(s.dir, 'P', '2020')]);
    const innerRoot = row(s.db, inner).root_id;
    const res = await s.scan([path.join(s.dir, 'P')]);
    assert.equal(res.counts.new, 1);
    assert.equal(row(s.db, inner).root_id, innerRoot, 'the inner root keeps its file');
    const again = await s.scan([path.join(s.dir, 'P')]);
    assert.equal(again.counts.deleted, 0);
  });

  test('a root added inside an older root takes over its files, and the outer root does not delete them', async (t) => {
    const s = setup(backend, t);
    const inner = s.write('P/2020/a.jpg', 'a');
    s.write('P/b.jpg', 'b');
    const outer = await s.scan([path.join(s.dir, 'P')]);
    assert.equal(outer.counts.new, 2);
    const id = row(s.db, inner).id;
    const added = await s.scan([path.join(s.dir, 'P', '2020')]);
    assert.deepEqual({ new: added.counts.new, unchanged: added.counts.unchanged }, { new: 0, unchanged: 1 });
    assert.equal(row(s.db, inner).root_id, added.rootIds[0]);
    const both = await s.scan([path.join(s.dir, 'P'), path.join(s.dir, 'P', '2020')]);
    assert.equal(both.counts.deleted, 0);
    assert.equal(row(s.db, inner).id, id);
    assert.equal(row(s.db, inner).state, 'present');
  });

  test('a file that vanishes between the walk and its stat is named once and counted, and the scan goes on', async (t) => {
    const s = setup(backend, t);
    const root = path.join(s.dir, 'R');
    s.write('R/here.jpg', 'h');
    const rootId = s.db.prepare('INSERT INTO roots (path, added_at) VALUES (?, 0) RETURNING id').pluck().get(root) as number;
    const counts = zeroCounts();
    const problems: ScanProblem[] = [];
    const folder = listedFromGroup({ dir: root, media: ['gone.jpg', 'here.jpg'], sidecars: [] });
    const report = (p: ScanProblem) => {
      problems.push(p);
      counts.errors++;
    };
    await processFolder(folder, statListed(folder), folderContext(s.db, rootId, { counts, report }));
    assert.deepEqual({ new: counts.new, errors: counts.errors }, { new: 1, errors: 1 });
    assert.equal(problems[0]!.message, `${path.join(root, 'gone.jpg')}: file vanished during the scan`);
  });


  test('a rescan that meets as many files as it should, but not the same ones, still sweeps', async (t) => {
    const s = setup(backend, t);
    const root = path.join(s.dir, 'R');
    s.write('R/a.jpg', 'a');
    s.write('R/b.jpg', 'b');
    await s.scan([root]);
    // One gone, one new with other content: the walk meets two files, as many as the root had, yet b.jpg must go.
    fs.rmSync(path.join(root, 'b.jpg'));
    s.write('R/c.jpg', 'c, something else');
    const res = await s.scan([root]);
    assert.deepEqual({ unchanged: res.counts.unchanged, new: res.counts.new, deleted: res.counts.deleted }, { unchanged: 1, new: 1, deleted: 1 });
    assert.equal(row(s.db, path.join(root, 'b.jpg')).state, 'deleted');
  });
});
