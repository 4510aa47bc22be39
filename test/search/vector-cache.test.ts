import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { allVectors, modelGeneration, recordModel, saveEmbedding } from '../../src/catalog/embeddings.js';
import * as quantizedModule from '../../src/search/quantized.js';
import { quantize, topKQuantized, type QuantizedSet } from '../../src/search/quantized.js';
import { search } from '../../src/search/search.js';
import { cacheFileFor, readCache, writeCache, writeCacheParts } from '../../src/search/vector-cache.js';
import { normalize, topK } from '../../src/search/vectors.js';
import { ClipModel } from '../../src/models/clip-model.js';
import { imageToTensor } from '../../src/extract/image-tensor.js';
import { loadModelInfo } from '../../src/models/model-dir.js';
import { addFile, lcg, makeCatalog, solidImage, tempDir, tinyModel, type Rgb } from '../clip-helpers.js';

function randomSet(n: number, dim: number, seed: number) {
  const rand = lcg(seed);
  const data = new Float32Array(n * dim).map(() => rand());
  for (let r = 0; r < n; r++) normalize(data.subarray(r * dim, (r + 1) * dim));
  return { ids: Int32Array.from({ length: n }, (_, i) => i + 10), data, rand };
}

test('quantized candidates contain the exact top 10 (512-d, 2000 vectors)', () => {
  const dim = 512;
  const { ids, data, rand } = randomSet(2000, dim, 3);
  const q = quantize(ids, data, dim);
  for (let k = 0; k < 5; k++) {
    const query = normalize(new Float32Array(dim).map(() => rand()));
    const exact = topK({ dim, ids, data }, query, 10).map((h) => h.fileId);
    const candidates = new Set(topKQuantized(q, query, 40).map((h) => h.fileId));
    for (const id of exact) assert.ok(candidates.has(id), `exact hit ${id} among the candidates`);
  }
  const odd = topKQuantized(q, normalize(new Float32Array(dim).fill(1)), 5, (id) => id % 2 === 1);
  assert.equal(odd.length, 5);
  assert.ok(odd.every((h) => h.fileId % 2 === 1));
});

test('cache file round-trips and is refused when the key differs or the file is damaged', () => {
  const dir = tempDir('vcache');
  const dim = 8;
  const { ids, data } = randomSet(50, dim, 5);
  const set = quantize(ids, data, dim);
  const file = cacheFileFor(dir, '/some/catalog.db', 'm@1');
  assert.notEqual(file, cacheFileFor(dir, '/other/catalog.db', 'm@1'), 'one file per catalog');
  const key = { modelId: 'm@1', generation: 7, dim };
  assert.equal(writeCache(file, key, set), true);
  assert.deepEqual(readCache(file, key), set);
  assert.equal(readCache(file, { ...key, generation: 8 }), null);
  assert.equal(readCache(file, { ...key, modelId: 'm@2' }), null);
  fs.truncateSync(file, fs.statSync(file).size - 10);
  assert.equal(readCache(file, key), null);
  fs.writeFileSync(file, 'garbage');
  assert.equal(readCache(file, key), null);
  assert.equal(readCache(path.join(dir, 'missing'), key), null);
});

test('a vector file written in parts is the file written at once; parts that do not add up leave no file', () => {
  const dir = tempDir('vparts');
  const dim = 8;
  const { ids, data } = randomSet(50, dim, 6);
  const set = quantize(ids, data, dim);
  const key = { modelId: 'm@1', generation: 3, dim };
  const whole = path.join(dir, 'whole.ixqv');
  const parts = path.join(dir, 'parts.ixqv');
  writeCache(whole, key, set);
  const part = (from: number, to: number) => quantize(ids.subarray(from, to), data.subarray(from * dim, to * dim), dim);
  assert.equal(writeCacheParts(parts, key, 50, [part(0, 20), part(20, 21), part(21, 50)]), true);
  assert.deepEqual(fs.readFileSync(parts), fs.readFileSync(whole));
  const short = path.join(dir, 'short.ixqv');
  assert.equal(writeCacheParts(short, key, 50, [part(0, 20)]), false);
  assert.equal(writeCacheParts(short, key, 30, [part(0, 20), part(20, 50)]), false);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['parts.ixqv', 'whole.ixqv']);
});

test('triggers bump the generation on every embedding change; search rebuilds a stale cache file', async () => {
  const c = makeCatalog('gen');
  const info = loadModelInfo(tinyModel);
  const model = new ClipModel(info, { device: 'cpu', warn: () => {} });
  recordModel(c.db, { id: info.id, name: info.name, dir: info.dir, dim: info.embedDim }, 1);
  const embed = async (name: string, rgb: Rgb) => {
    const f = addFile(c, name);
    const [v] = await model.encodeImages([await imageToTensor(await solidImage(f.path, rgb), info.preprocess)]);
    saveEmbedding(c.db, f.id, info.id, v!, 1);
    return f;
  };
  const g0 = modelGeneration(c.db, info.id);
  const red = await embed('red.png', [250, 10, 10]);
  await embed('blue.png', [10, 10, 250]);
  assert.equal(modelGeneration(c.db, info.id), g0 + 2);
  const ctx = { env: {}, warn: () => {}, cache: { dir: c.cacheDir, catalogPath: c.dbPath } };
  const first = await search(c.db, { text: 'green', limit: 5, filters: {}, device: 'cpu' }, ctx);
  assert.equal(first.length, 2);
  assert.ok(fs.existsSync(cacheFileFor(c.cacheDir, c.dbPath, info.id)));
  // A new embedding after the cache was written: the next search must see it.
  await embed('green.png', [10, 250, 10]);
  const second = await search(c.db, { text: 'green', limit: 5, filters: {}, device: 'cpu' }, ctx);
  assert.equal(path.basename(second[0]!.path), 'green.png');
  // Deleting a file's row (purge) bumps it too; a deleted file is never returned even from a fresh cache.
  c.db.prepare(`UPDATE files SET state = 'deleted' WHERE id = ?`).run(red.id);
  const third = await search(c.db, { text: 'red', limit: 5, filters: {}, device: 'cpu' }, ctx);
  assert.ok(!third.some((r) => r.path === red.path));
  const g1 = modelGeneration(c.db, info.id);
  c.db.prepare(`DELETE FROM embeddings WHERE file_id = ?`).run(red.id);
  assert.equal(modelGeneration(c.db, info.id), g1 + 1);
  await model.release();
});

test('the parallel scan of a large vector file finds what one thread finds, with either filter', async () => {
  const { scanFile, parallelThreshold } = await import('../../src/search/parallel-scan.js');
  const dim = 8;
  const { ids, data, rand } = randomSet(parallelThreshold + 1234, dim, 11);
  const set = quantize(ids, data, dim);
  const dir = tempDir('pscan');
  const file = path.join(dir, 'v.ixqv');
  const key = { modelId: 'm@1', generation: 1, dim };
  writeCache(file, key, set);
  const query = normalize(new Float32Array(dim).map(() => rand()));
  const none = { mode: 'exclude' as const, ids: new Int32Array() };
  const single = topKQuantized(set, query, 30);
  assert.deepEqual(await scanFile(file, key, query, 30, none, 3), single);
  assert.deepEqual(await scanFile(file, key, query, 30, none, 1), single);
  // Workers that read their slice a few rows at a time (as they read a 10M-row file) find the same.
  assert.deepEqual(await scanFile(file, key, query, 30, none, 2, 997), single);
  const excluded = Int32Array.from(single.slice(0, 5).map((h) => h.fileId)).sort();
  const withoutTop = await scanFile(file, key, query, 30, { mode: 'exclude', ids: excluded }, 2);
  assert.deepEqual(withoutTop!.slice(0, 25), single.slice(5));
  const only = Int32Array.from([ids[7]!, ids[50_000]!, ids[ids.length - 1]!]).sort();
  const included = await scanFile(file, key, query, 30, { mode: 'include', ids: only }, 2);
  assert.deepEqual(included!.map((h) => h.fileId).sort((a, b) => a - b), [...only]);
  assert.equal(await scanFile(file, { ...key, generation: 2 }, query, 30, none, 2), null);
});

test('keepRows keeps the rows whose id passes, in order, codes and scales with them', () => {
  const dim = 4;
  const set = quantize(Int32Array.from([1, 2, 3, 4]), Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1]), dim);
  const kept = quantizedModule.keepRows(set, (id) => id !== 2 && id !== 3);
  assert.deepEqual([...kept.ids], [1, 4]);
  const row = (r: number) => [...kept.codes.subarray(r * dim, (r + 1) * dim)].map((c) => Math.round(c * kept.scales[r]! * 1000) / 1000);
  assert.deepEqual([row(0), row(1)], [[1, 0, 0, 0], [0, 0, 0, -1]]);
});

test('a big stale vector file is patched a chunk at a time: the same rows as a rebuild, old rows kept as they were', async () => {
  const { refresh } = await import('../../src/search/vector-store.js');
  const c = makeCatalog('patch-chunks');
  const dim = 4;
  recordModel(c.db, { id: 'm@1', name: 'm', dir: '/m', dim }, 1);
  const insert = c.db.prepare(
    `INSERT INTO files (root_id, path, kind, ext, size, mtime_ms, ino, dev, first_seen, last_seen) VALUES (?, ?, 'image', 'jpg', 1, 0, '1', 1, 0, 0)`,
  );
  const rand = lcg(3);
  const vector = () => normalize(Float32Array.from({ length: dim }, () => rand() - 0.5));
  const add = (from: number, n: number) =>
    c.db.transaction(() => {
      const ids: number[] = [];
      for (let i = from; i < from + n; i++) {
        const id = Number(insert.run(c.rootId, `/p/${i}.jpg`).lastInsertRowid);
        saveEmbedding(c.db, id, 'm@1', vector(), 1);
        ids.push(id);
      }
      return ids;
    })();
  const ids = add(0, 140_000); // two chunks of the old file (131,072 rows each)
  const key = () => ({ modelId: 'm@1', generation: modelGeneration(c.db, 'm@1'), dim });
  const file = cacheFileFor(c.cacheDir, c.dbPath, 'm@1');
  assert.equal(refresh(c.db, file, key()), 140_000);
  // Mark a row of the second chunk so a rebuild would show.
  const marked = ids[139_000]!;
  const old = readCache(file, key())!;
  old.scales[old.ids.indexOf(marked)] = 42;
  writeCache(file, key(), old);
  // Rows leave from both chunks, one is re-embedded, new ones arrive.
  const drop = c.db.prepare(`DELETE FROM embeddings WHERE file_id = ?`);
  for (const id of [ids[5]!, ids[135_000]!]) drop.run(id);
  saveEmbedding(c.db, ids[7]!, 'm@1', vector(), 2);
  add(140_000, 3);
  assert.equal(refresh(c.db, file, key()), 140_001);
  const patched = readCache(file, key())!;
  const byId = (set: QuantizedSet) => new Map([...set.ids].map((id, r) => [id, [set.scales[r], ...set.codes.subarray(r * dim, (r + 1) * dim)]]));
  const got = byId(patched);
  const all = allVectors(c.db, 'm@1', dim);
  const rebuilt = byId(quantize(all.ids as Int32Array, all.data, dim));
  assert.equal(got.get(marked)![0], 42, 'the kept row came from the old file');
  got.delete(marked);
  rebuilt.delete(marked);
  assert.deepEqual(got, rebuilt);
});

test('a stored vector of another width does not keep the vector file from being built', async () => {
  const { refresh } = await import('../../src/search/vector-store.js');
  const c = makeCatalog('odd-width');
  const dim = 4;
  recordModel(c.db, { id: 'm@1', name: 'm', dir: '/m', dim }, 1);
  const a = addFile(c, 'a.jpg');
  saveEmbedding(c.db, a.id, 'm@1', normalize(Float32Array.from([1, 0, 0, 0])), 1);
  const b = addFile(c, 'b.jpg');
  saveEmbedding(c.db, b.id, 'm@1', normalize(Float32Array.from([0, 1, 0])), 1); // a damaged row: 3 floats, not 4
  const file = cacheFileFor(c.cacheDir, c.dbPath, 'm@1');
  const key = { modelId: 'm@1', generation: modelGeneration(c.db, 'm@1'), dim };
  // Before: COUNT(*) said 2, the read gave 1, and the file was never written (every search rebuilt it in memory).
  assert.equal(refresh(c.db, file, key), 1);
  assert.deepEqual([...readCache(file, key)!.ids], [a.id]);
});

test('a stale vector file is patched, not rebuilt: rows of other files are kept as they were', async () => {
  const { refresh } = await import('../../src/search/vector-store.js');
  const c = makeCatalog('patch');
  const dim = 4;
  recordModel(c.db, { id: 'm@1', name: 'm', dir: '/m', dim }, 1);
  const save = (name: string, v: number[]) => {
    const f = addFile(c, name);
    saveEmbedding(c.db, f.id, 'm@1', normalize(Float32Array.from(v)), 1);
    return f;
  };
  const a = save('a.jpg', [1, 0, 0, 0]);
  const b = save('b.jpg', [0, 1, 0, 0]);
  const file = cacheFileFor(c.cacheDir, c.dbPath, 'm@1');
  assert.equal(refresh(c.db, file, { modelId: 'm@1', generation: modelGeneration(c.db, 'm@1'), dim }), 2);
  // Mark the file so a rebuild would show: patching keeps old rows byte for byte, a rebuild would not keep this.
  const layout = readCache(file, { modelId: 'm@1', generation: modelGeneration(c.db, 'm@1'), dim })!;
  layout.scales[[...layout.ids].indexOf(b.id)] = 42;
  writeCache(file, { modelId: 'm@1', generation: modelGeneration(c.db, 'm@1'), dim }, layout);
  const d = save('d.jpg', [0, 0, 1, 0]);
  c.db.prepare(`DELETE FROM embeddings WHERE file_id = ?`).run(a.id);
  const key = { modelId: 'm@1', generation: modelGeneration(c.db, 'm@1'), dim };
  assert.equal(refresh(c.db, file, key), 2);
  const patched = readCache(file, key)!;
  assert.deepEqual([...patched.ids].sort((x, y) => x - y), [b.id, d.id]);
  assert.ok(patched.scales.includes(42), 'the kept row came from the old file');
});

test('a slow first build is announced once; patching later is not', async () => {
  const { refresh } = await import('../../src/search/vector-store.js');
  const c = makeCatalog('announce');
  recordModel(c.db, { id: 'm@1', name: 'm', dir: '/m', dim: 4 }, 1);
  const file = c.db.prepare(
    `INSERT INTO files (root_id, path, kind, ext, size, mtime_ms, ino, dev, first_seen, last_seen) VALUES (?, ?, 'image', 'jpg', 1, 0, '1', 1, 0, 0)`,
  );
  const add = (from: number, n: number) =>
    c.db.transaction(() => {
      for (let i = from; i < from + n; i++) {
        const id = Number(file.run(c.rootId, `/p/${i}.jpg`).lastInsertRowid);
        saveEmbedding(c.db, id, 'm@1', normalize(Float32Array.from([1, i % 7, 0, 1])), 1);
      }
    })();
  add(0, 50_000);
  const said: [string, number][] = [];
  const key = () => ({ modelId: 'm@1', generation: modelGeneration(c.db, 'm@1'), dim: 4 });
  const vf = cacheFileFor(c.cacheDir, c.dbPath, 'm@1');
  assert.equal(refresh(c.db, vf, key(), (m, n) => said.push([m, n])), 50_000);
  assert.deepEqual(said, [['m@1', 50_000]]);
  // Built from the catalog a batch of rows at a time: the same file as quantizing every row at once.
  const all = allVectors(c.db, 'm@1', 4);
  assert.deepEqual(readCache(vf, key()), quantize(all.ids as Int32Array, all.data, 4));
  add(50_000, 10);
  assert.equal(refresh(c.db, vf, key(), (m, n) => said.push([m, n])), 50_010);
  assert.equal(said.length, 1);
});
