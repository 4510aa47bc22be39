/**
 * catalog/move-candidates.ts, maintenance.ts and reserve.ts. What a user notices: a file renamed inside a root this
 * scan did not walk, or deleted earlier and back elsewhere, is found as a move (keeping its results) instead of a new
 * file; the catalog says which schema it is at; a full disk still lets a run hand its tasks back.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { filesCatalog, type FileRecord } from '../../src/catalog/files.js';
import { moveCandidatesCatalog } from '../../src/catalog/move-candidates.js';
import { rootsCatalog } from '../../src/catalog/roots.js';
import { scansCatalog } from '../../src/catalog/scans.js';
import { catalogSchemaVersion, reclaimWalSpace } from '../../src/catalog/maintenance.js';
import { openCatalog, schemaVersion } from '../../src/catalog/open.js';
import { keepReserve, RESERVE_BYTES } from '../../src/catalog/reserve.js';
import { forEachBackend } from '../helpers/backends.js';

function record(rootId: number, path: string, identity: string): FileRecord {
  return { rootId, path, kind: 'image', ext: 'jpg', size: 1000, mtimeMs: 5000, ino: '1', dev: 1, identity, sidecar: null };
}

forEachBackend((backend) => {
  it("a new file's older twin is a move candidate when its root was not walked or it was deleted; live ones first", (t) => {
    const db = backend.open(t);
    const roots = rootsCatalog(db);
    const files = filesCatalog(db);
    const walked = roots.ensure('/walked', 1).id;
    const unplugged = roots.ensure('/unplugged', 1).id;
    const scans = scansCatalog(db);
    const first = scans.start(['/walked', '/unplugged'], 1);
    const liveTwin = files.insert(record(unplugged, '/unplugged/a.jpg', 'A'), first, 1);
    const deletedTwin = files.insert(record(walked, '/walked/old-a.jpg', 'A'), first, 1);
    files.markDeleted(deletedTwin, 2);
    const sweptTwin = files.insert(record(walked, '/walked/b-old.jpg', 'B'), first, 1); // live in a walked root
    files.insert(record(unplugged, '/unplugged/c.jpg', 'C'), first, 1);

    const second = scans.start(['/walked'], 10);
    const addedA = files.insert(record(walked, '/walked/new/a.jpg', 'A'), second, 10);
    const addedB = files.insert(record(walked, '/walked/new/b.jpg', 'B'), second, 10);
    files.insert(record(walked, '/walked/new/d.jpg', 'D'), second, 10);
    const moves = moveCandidatesCatalog(db);
    assert.deepEqual(moves.list(second, [walked]), [
      { addedId: addedA, oldId: liveTwin, oldPath: '/unplugged/a.jpg', oldRootId: unplugged },
      { addedId: addedA, oldId: deletedTwin, oldPath: '/walked/old-a.jpg', oldRootId: walked },
    ]);
    assert.deepEqual(moves.list(second, []).map((m) => [m.addedId, m.oldId]), [[addedA, liveTwin], [addedA, deletedTwin], [addedB, sweptTwin]]);
    assert.deepEqual(moves.list(first, [walked, unplugged]), [], 'rows of the same scan are no twins of each other');
    assert.deepEqual(moves.record(addedA), { id: addedA, ...record(walked, '/walked/new/a.jpg', 'A') });
    assert.equal(moves.record(9999), undefined);
    assert.deepEqual([moves.rowsOfRoot(unplugged), moves.rowsOfRoot(walked), moves.rowsOfRoot(9999)], [2, 5, 0]);
  });

  it('the catalog is at the newest schema; giving WAL space back and the reserve fit the backend', (t) => {
    const target = backend.target(t);
    const reserve = keepReserve(target, RESERVE_BYTES);
    // A PostgreSQL catalog's disk is the server's: no file is made next to a URL.
    assert.equal(fs.existsSync(`${target}.reserve`), backend.name === 'sqlite');
    reserve.free();
    reserve.free();
    assert.equal(fs.existsSync(`${target}.reserve`), false);
    const db = openCatalog(target);
    t.after(() => void db.close());
    assert.equal(catalogSchemaVersion(db), schemaVersion);
    rootsCatalog(db).ensure('/r', 1);
    reclaimWalSpace(db);
    assert.deepEqual(rootsCatalog(db).list().map((r) => r.path), ['/r']);
  });
});
