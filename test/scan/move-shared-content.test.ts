/** Move detection when many files share one content (issue 13 item 14): right answers, and a lookup that stays direct. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCatalog } from '../../src/catalog/open.js';
import { forEachBackend } from '../helpers/backends.js';
import { ADDED_TWIN_SQL } from '../../src/catalog/files.js';
import { scanRoots } from '../../src/scan/scanner.js';

forEachBackend((backend) => {
  test('with 300 empty files of one content, 120 removed and 50 added: 50 moved (old ids kept), 70 deleted, 0 new', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-moves-'));
    const db = backend.open(t);
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const root = path.join(dir, 'root');
    for (let d = 0; d < 3; d++) {
      fs.mkdirSync(path.join(root, `d${d}`), { recursive: true });
      for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(root, `d${d}`, `f${i}.jpg`), '');
    }
    let now = 1_000_000;
    const scan = () =>
      scanRoots([root], { excludes: [], hidden: false, followSymlinks: false, settleMs: null }, {
        db, clock: { now: () => (now += 1000) }, signal: new AbortController().signal, report: () => {}, warn: () => {}, env: {},
      });
    assert.equal((await scan()).counts.new, 300);
    const removedIds = new Set<number>();
    for (let i = 0; i < 120; i++) {
      const p = path.join(root, `d${Math.floor(i / 100)}`, `f${i % 100}.jpg`);
      removedIds.add((db.prepare('SELECT id FROM files WHERE path = ?').get(p) as { id: number }).id);
      fs.rmSync(p);
    }
    fs.mkdirSync(path.join(root, 'new'));
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(root, 'new', `n${i}.jpg`), '');
    const res = await scan();
    assert.deepEqual({ moved: res.counts.moved, deleted: res.counts.deleted, new: res.counts.new }, { moved: 50, deleted: 70, new: 0 });
    const newRows = db.prepare(`SELECT id FROM files WHERE path LIKE ? AND state = 'present'`).all(path.join(root, 'new', '%')) as { id: number }[];
    assert.equal(newRows.length, 50);
    assert.ok(newRows.every((r) => removedIds.has(r.id)), 'each new path took a vanished file\'s id');
    assert.equal((db.prepare(`SELECT count(*) AS n FROM files WHERE state = 'present'`).get() as { n: number }).n, 230);
  });
});

test('the move lookup goes straight to this scan\'s rows of an identity (no walk over every file sharing it)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-moves-plan-'));
  const db = openCatalog(path.join(dir, 'catalog.db'));
  t.after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const plan = (db.prepare(`EXPLAIN QUERY PLAN ${ADDED_TWIN_SQL}`).all('id', 1, 1) as { detail: string }[]).map((r) => r.detail).join('; ');
  // Old plan: "SEARCH files USING INDEX files_identity (identity=?)", reading every row of the content: quadratic.
  assert.match(plan, /USING INDEX \S+ \(identity=\? AND added_scan=\?\)/, plan);
  assert.doesNotMatch(plan, /TEMP B-TREE/, 'no sort: rows come in id order from the index');
});
