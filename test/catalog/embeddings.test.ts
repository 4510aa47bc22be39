/**
 * catalog/embeddings.ts: what the clip stage stores and what search reads. What a user notices: search ranks the
 * vectors exactly as written, only present files that pass the filters come back, `models` lists which model holds
 * how many files, and the search cache sees every change (the model's generation moves, the rows since come back).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import {
  allVectors, copiesOf, describeFiles, embeddedIds, embeddingCount, embeddingOf, fileFilter, idsWrittenSince, modelGeneration,
  modelsInUse, presentEmbeddingCount, presentFileId, recordModel, saveEmbedding, searchableModels, vectorBatches, vectorsOf,
  type SearchFilters,
} from '../../src/catalog/embeddings.js';
import { saveThumbnail } from '../../src/catalog/metadata.js';
import type { Db } from '../../src/catalog/sql.js';
import { addFile, addRoot } from '../tasks/helpers.js';
import { forEachBackend } from '../helpers/backends.js';

const v = (...xs: number[]) => Float32Array.from(xs);
const old = { id: 'tiny@1', name: 'tiny', dir: '/m/tiny', dim: 3 };
const newer = { id: 'big@2', name: 'big', dir: '/m/big', dim: 2 };

forEachBackend((backend) => {
  it('each file keeps the newest model\'s vector; models list what they hold; the generation moves with every change', (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/p');
    const [a, b, c] = ['/p/a.jpg', '/p/b.jpg', '/p/c.jpg'].map((p) => addFile(db, root, { path: p }));
    recordModel(db, old, 10);
    recordModel(db, { ...old, dir: '/elsewhere/tiny' }, 20);
    assert.equal(modelGeneration(db, old.id), 0);
    assert.equal(modelGeneration(db, 'unknown@0'), -1);
    saveEmbedding(db, a!, old.id, v(1, 0, 0), 30);
    saveEmbedding(db, b!, old.id, v(0, 1, 0.5), 30);
    saveEmbedding(db, c!, old.id, v(0, 0, 1), 30);
    assert.equal(modelGeneration(db, old.id), 3);
    assert.deepEqual(embeddingOf(db, b!), { modelId: old.id, vector: v(0, 1, 0.5) });
    assert.equal(embeddingOf(db, 999), null);

    recordModel(db, newer, 40);
    saveEmbedding(db, a!, newer.id, v(0.6, 0.8), 50); // the model switch re-embeds a
    assert.equal(modelGeneration(db, old.id), 4, 'the old model lost a vector');
    assert.equal(modelGeneration(db, newer.id), 1);
    db.prepare(`UPDATE files SET state = 'offline' WHERE id = ?`).run(c);

    const models = modelsInUse(db);
    assert.deepEqual(models.map((m) => [m.id, m.files]), [[newer.id, 1], [old.id, 1]], 'newest first, present files only');
    assert.deepEqual(models[1], { id: old.id, name: 'tiny', dir: '/elsewhere/tiny', dim: 3, firstUsed: 10, lastUsed: 20, files: 1 });
    assert.deepEqual(searchableModels(db), models.map(({ files: _f, ...m }) => m));
    assert.equal(presentEmbeddingCount(db, old.id), 1);
    assert.equal(embeddingCount(db, old.id), 2, 'the offline file keeps its vector');
    assert.deepEqual([...embeddedIds(db, old.id)], [b, c]);
    db.prepare(`UPDATE files SET state = 'offline' WHERE id = ?`).run(b);
    assert.deepEqual(searchableModels(db).map((m) => m.id), [newer.id], 'a model with no present file is not searchable');
  });

  it('search loads the vectors as written, all at once, in batches, or only those written since its cache', (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/p');
    const ids = Array.from({ length: 5 }, (_, i) => addFile(db, root, { path: `/p/${i}.jpg` }));
    recordModel(db, old, 1);
    ids.forEach((id, i) => saveEmbedding(db, id, old.id, v(i, -i / 3, 1e-7 * i), 2));
    db.prepare(`INSERT INTO embeddings (file_id, model_id, vector, created_at, seq) VALUES (?, ?, ?, 0, 0)
      ON CONFLICT (file_id) DO UPDATE SET vector = excluded.vector`).run(ids[4], old.id, Buffer.alloc(8)); // another width
    const all = allVectors(db, old.id, 3);
    const byId = new Map([...all.ids].map((id, i) => [id, [...all.data.subarray(i * 3, i * 3 + 3)]]));
    assert.deepEqual([...byId.keys()].sort((x, y) => x - y), ids.slice(0, 4));
    assert.deepEqual(byId.get(ids[2]!), [...v(2, -2 / 3, 2e-7)], 'float32 bits round-trip');

    const batches = [...vectorBatches(db, old.id, 3, -1, 3)];
    assert.deepEqual(batches.map((b) => b.ids.length), [3, 1]);
    assert.deepEqual(new Set(batches.flatMap((b) => [...b.ids])), new Set(ids.slice(0, 4)));

    const generation = modelGeneration(db, old.id);
    assert.deepEqual([...idsWrittenSince(db, old.id, generation)], []);
    saveEmbedding(db, ids[1]!, old.id, v(9, 9, 9), 3);
    assert.deepEqual([...idsWrittenSince(db, old.id, generation)], [ids[1]]);
    assert.deepEqual([...allVectors(db, old.id, 3, generation).data], [9, 9, 9]);

    const exact = vectorsOf(db, old.id, [ids[0]!, ids[1]!, 12345]);
    assert.deepEqual([...exact.keys()], [ids[0], ids[1]]);
    assert.deepEqual(exact.get(ids[1]!), v(9, 9, 9));
    assert.equal(vectorsOf(db, newer.id, [ids[0]!]).size, 0, 'another model');
  });

  it('search reads a big model exactly (more rows than PostgreSQL sends at once), and inside a transaction its own writes', (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/p');
    const model = { id: 'wide@3', name: 'wide', dir: '/m/wide', dim: 512 };
    recordModel(db, model, 1);
    const vectors = Array.from({ length: 3001 }, (_, i) => Float32Array.from({ length: 512 }, (_, j) => Math.sin(i * 512 + j) * 1e3 ** ((j % 5) - 2)));
    const vectorOf = (i: number) => vectors[i]!;
    // 3,000 x 2 KB: more than one 4 MB transfer on PostgreSQL.
    const ids: number[] = db.transaction(() =>
      Array.from({ length: 3000 }, (_, i) => {
        const id = addFile(db, root, { path: `/p/${i}.jpg` });
        saveEmbedding(db, id, model.id, vectorOf(i), 2);
        return id;
      }),
    )();
    const expectAll = (set: { ids: ArrayLike<number>; data: Float32Array }, what: string) => {
      const order = Array.from(set.ids);
      assert.deepEqual([...order].sort((x, y) => x - y), ids, what);
      const expected = new Float32Array(order.length * 512);
      const index = new Map(ids.map((id, i) => [id, i]));
      order.forEach((id, k) => expected.set(vectorOf(index.get(id)!), k * 512));
      const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      assert.ok(bytes(set.data).equals(bytes(expected)), `${what}: every vector bit for bit`);
    };
    expectAll(allVectors(db, model.id, 512), 'all at once');
    const batches = [...vectorBatches(db, model.id, 512, -1, 700)];
    assert.ok(batches.every((b) => b.ids.length <= 700), 'at most 700 rows a batch');
    expectAll({ ids: batches.flatMap((b) => [...b.ids]), data: Float32Array.from(batches.flatMap((b) => [...b.data])) }, 'in batches');

    const extra = addFile(db, root, { path: '/p/extra.jpg' });
    db.transaction(() => {
      saveEmbedding(db, extra, model.id, vectorOf(3000), 3);
      assert.equal(allVectors(db, model.id, 512).ids.length, 3001, 'the transaction sees its own vector');
    })();
  });

  it('search shows path and thumbnail, finds an indexed path, and returns only present files that pass the filters', (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/p');
    const canon = addFile(db, root, { path: '/p/canon.jpg' });
    const nikon = addFile(db, root, { path: '/p/nikon.jpg' });
    const plain = addFile(db, root, { path: '/p/plain.jpg' });
    const gone = addFile(db, root, { path: '/p/gone.jpg', state: 'deleted' });
    const exif = db.prepare(`INSERT INTO exif (file_id, taken_at_ms, make, model) VALUES (?, ?, ?, ?)`);
    exif.run(canon, Date.UTC(2019, 4, 1), 'Canon', 'EOS 5D');
    exif.run(nikon, Date.UTC(2023, 6, 1), 'NIKON CORPORATION', 'D3100_100%');
    exif.run(gone, Date.UTC(2019, 4, 1), 'Canon', 'EOS 5D');
    const xmp = db.prepare(`INSERT INTO xmp (file_id, rating, keywords) VALUES (?, ?, ?)`);
    xmp.run(canon, 5, JSON.stringify(['Holiday', 'Beach']));
    xmp.run(nikon, 2, JSON.stringify(['work']));
    xmp.run(plain, 4, 'Holiday'); // hand-edited: not a JSON array, reads as no keywords

    saveThumbnail(db, { fileId: canon, identity: 'i', thumbPath: '/c/canon.webp', previewPath: '/c/p.webp', width: 1, height: 1, thumbhash: null });
    const described = describeFiles(db, [canon, plain, 999]);
    assert.deepEqual([...described.entries()], [[canon, { path: '/p/canon.jpg', thumbPath: '/c/canon.webp' }], [plain, { path: '/p/plain.jpg', thumbPath: null }]]);
    assert.equal(presentFileId(db, '/p/nikon.jpg'), nikon);
    assert.equal(presentFileId(db, '/p/gone.jpg'), null);

    const allowed = (f: SearchFilters) => {
      const filter = fileFilter(db, f);
      return { mode: filter.mode, ids: [...filter.ids] };
    };
    assert.deepEqual(allowed({}), { mode: 'exclude', ids: [gone] });
    assert.deepEqual(allowed({ camera: 'canon' }), { mode: 'include', ids: [canon] });
    assert.deepEqual(allowed({ camera: 'corporation d3100' }), { mode: 'include', ids: [nikon] });
    assert.deepEqual(allowed({ camera: '_100%' }), { mode: 'include', ids: [nikon] }, 'LIKE wildcards are literal');
    assert.deepEqual(allowed({ camera: 'd3100x' }).ids, []);
    assert.deepEqual(allowed({ afterMs: Date.UTC(2020, 0, 1) }).ids, [nikon]);
    assert.deepEqual(allowed({ beforeMs: Date.UTC(2020, 0, 1) }).ids, [canon]);
    assert.deepEqual(allowed({ minRating: 4 }).ids, [canon, plain]);
    assert.deepEqual(allowed({ keywords: ['holiday'] }).ids, [canon], 'case-insensitive; a damaged list matches nothing');
    assert.deepEqual(allowed({ keywords: ['holiday', 'BEACH'] }).ids, [canon]);
    assert.deepEqual(allowed({ keywords: ['holiday', 'work'] }).ids, []);
    assert.deepEqual(allowed({ minRating: 1, afterMs: Date.UTC(2020, 0, 1), keywords: ['WORK'] }).ids, [nikon]);
  });

  it('copiesOf: present files of the same content holding a vector of the model, not those asked about', (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/p');
    const names = ['a', 'b', 'c', 'offline', 'other-model', 'no-vector', 'alone'];
    const [a, b, c, offline, otherModel, noVector, alone] = names.map((n) => addFile(db, root, { path: `/p/${n}.jpg` }));
    recordModel(db, old, 1);
    recordModel(db, newer, 1);
    for (const id of [a, b, c, offline, otherModel, noVector]) db.prepare(`UPDATE files SET identity = 'same' WHERE id = ?`).run(id);
    db.prepare(`UPDATE files SET state = 'offline' WHERE id = ?`).run(offline);
    for (const id of [a, b, c, offline, alone]) saveEmbedding(db, id!, old.id, v(1, 0, 0), 2);
    saveEmbedding(db, otherModel!, newer.id, v(1, 0), 2);
    const sorted = (ids: number[]) => [...ids].sort((x, y) => x - y);
    assert.deepEqual(sorted(copiesOf(db, old.id, [a!], 10)), [b, c]);
    assert.deepEqual(sorted(copiesOf(db, old.id, [a!, b!, alone!, 999], 10)), [c]);
    assert.deepEqual(copiesOf(db, old.id, [alone!], 10), []);
    assert.equal(copiesOf(db, old.id, [a!], 1).length, 1, 'at most the limit');
    assert.deepEqual(copiesOf(db, old.id, [a!, b!], 1), [c], 'listed files do not use up the limit');
    const [x, y] = ['x', 'y'].map((n) => addFile(db, root, { path: `/p/${n}.jpg` }));
    db.prepare(`UPDATE files SET identity = 'other' WHERE id IN (?, ?)`).run(x, y);
    for (const id of [x, y]) saveEmbedding(db, id!, old.id, v(0, 1, 0), 2);
    assert.deepEqual(copiesOf(db, old.id, [x!, a!, b!], 1), [y], 'the copies of the files listed first come first');
    assert.deepEqual(copiesOf(db, old.id, [a!, b!, x!], 1), [c]);
    assert.deepEqual(copiesOf(db, old.id, [], 10), []);
  });

  it('a keyword list damaged past its bracket reads as empty instead of failing the search', (t) => {
    const db = backend.open(t);
    const root = addRoot(db, '/p');
    const ok = addFile(db, root, { path: '/p/ok.jpg' });
    const bad = addFile(db, root, { path: '/p/bad.jpg' });
    const xmp = db.prepare(`INSERT INTO xmp (file_id, keywords) VALUES (?, ?)`);
    xmp.run(ok, JSON.stringify(['sea']));
    xmp.run(bad, '["sea", broken');
    const escaped = addFile(db, root, { path: '/p/escaped.jpg' });
    xmp.run(escaped, JSON.stringify(['sea', 'say "hi"\tthere\\', 'Café', '\u0001']));
    assert.deepEqual([...fileFilter(db, { keywords: ['sea'] }).ids], [ok, escaped]);
    assert.deepEqual([...fileFilter(db, { keywords: ['SAY "hi"\tthere\\', 'Café'] }).ids], [escaped], 'escapes in a valid list');
  });
});

export type { Db };
