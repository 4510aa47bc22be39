/**
 * The approximate index on a real catalog with 512-d clustered embeddings (CLIP-like: photos come in groups):
 * recall against the full scan, exact scores, filters before the top-k cut, following the catalog, the threshold.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  allVectors,
  embeddedIds,
  fileFilter,
  idsWrittenSince,
  modelGeneration,
  presentEmbeddingCount,
  recordModel,
  saveEmbedding,
  searchableModels,
  vectorBatches,
} from '../../src/catalog/embeddings.js';
import { indexIntact, openReader, readManifest, updateIndex } from '../../src/search/ann-index.js';
import { annBase, refreshIndexes } from '../../src/search/ann-store.js';
import { catalogFilter, listFilter } from '../../src/search/candidate-filter.js';
import { rank } from '../../src/search/rank.js';
import { cacheFileFor } from '../../src/search/vector-cache.js';
import { normalize } from '../../src/search/vectors.js';
import { addFile } from '../clip-helpers.js';
import { both, clustered, dim, env, indexRecall, key, modelId, place, recall, syntheticCatalog } from './ann-catalog.js';

test('above the threshold the index answers: recall@20 >= 0.98 against --exact, with the same exact scores', async () => {
  const s = syntheticCatalog(3000);
  assert.deepEqual(refreshIndexes(s.c.db, place(s.c), 1000), [{ modelId, outcome: 'done', rows: 3000 }]);
  const manifest = readManifest(annBase(place(s.c), modelId), key)!;
  assert.equal(manifest.count, 3000);
  const total = await indexRecall(s, 10);
  assert.ok(total >= 0.98, `recall@20 ${total}`);
  // Nothing to do when the catalog has not changed since.
  assert.deepEqual(refreshIndexes(s.c.db, place(s.c), 1000), [{ modelId, outcome: 'current', rows: 0 }]);
});

test('filters apply before the top-k cut: a broad filter over-fetches, a narrow one scans', async () => {
  const s = syntheticCatalog(3000);
  refreshIndexes(s.c.db, place(s.c), 1000);
  const query = clustered(s.rand, s.centers, 2);
  for (const keep of [3, 200]) {
    const filter = { mode: 'include' as const, ids: Int32Array.from(s.ids.filter((id) => id % keep === 0)) };
    const { ann, exact } = await both(s, query, filter);
    assert.equal(ann.length, Math.min(20, filter.ids.length));
    assert.ok(ann.every((h) => h.fileId % keep === 0));
    assert.ok(recall(ann, exact) >= 0.95, `keep 1/${keep}: recall ${recall(ann, exact)}`);
    // 1 in 200 is below the share worth over-fetching for: the full scan answers, exactly as --exact.
    if (keep === 200) assert.deepEqual(ann, exact);
  }
});

test('a search finds rows written since the index was built and not files that left, without rewriting the index', async () => {
  const s = syntheticCatalog(2000);
  refreshIndexes(s.c.db, place(s.c), 1000);
  const query = clustered(s.rand, s.centers, 2);
  const annOnly = () => rank(s.c.db, modelId, query, { limit: 20, filter: catalogFilter(s.c.db, {}), exact: false, cache: place(s.c), env });
  const before = await annOnly();
  // A few new photos right next to the query, and the best old match deleted.
  const added: number[] = [];
  for (let i = 0; i < 5; i++) {
    const f = addFile(s.c, `new${i}.jpg`);
    saveEmbedding(s.c.db, f.id, modelId, normalize(Float32Array.from(query, (x) => x + s.rand() * 0.01)), 2);
    added.push(f.id);
  }
  s.c.db.prepare(`UPDATE files SET state = 'deleted' WHERE id = ?`).run(before[0]!.fileId);
  s.c.db.prepare(`DELETE FROM embeddings WHERE file_id = ?`).run(before[0]!.fileId);
  const ann = await annOnly();
  assert.deepEqual(ann.slice(0, 5).map((h) => h.fileId).sort(), added.sort());
  assert.ok(!ann.some((h) => h.fileId === before[0]!.fileId));
  // Answered from the index plus the rows written since: no full scan (its vector file was never written), and the
  // index was not rewritten by the search (phase 2 brings it up to date).
  assert.equal(fs.existsSync(cacheFileFor(s.c.cacheDir, s.c.dbPath, modelId)), false);
  const base = annBase(place(s.c), modelId);
  const built = readManifest(base, key)!;
  assert.equal(built.count, 2000);
  // Phase 2 leaves an index so few rows behind as it is (searches cover them) ...
  assert.deepEqual(refreshIndexes(s.c.db, place(s.c), 1000), [{ modelId, outcome: 'deferred', rows: 5 }]);
  assert.deepEqual(readManifest(base, key), built);
  assert.deepEqual(await annOnly(), ann);
  // ... and rewrites it once a thousand rows changed.
  s.c.db.transaction(() => {
    for (let i = 0; i < 1000; i++) saveEmbedding(s.c.db, addFile(s.c, `more${i}.jpg`).id, modelId, clustered(s.rand, s.centers), 3);
  })();
  assert.deepEqual(refreshIndexes(s.c.db, place(s.c), 1000), [{ modelId, outcome: 'done', rows: 1005 }]);
  assert.equal(readManifest(base, key)!.generation, modelGeneration(s.c.db, modelId));
  assert.equal(readManifest(base, key)!.count, 2000 + 5 - 1 + 1000);
  assert.deepEqual((await annOnly()).slice(0, 5).map((h) => h.fileId).sort(), added.sort());
});

test('a photo kept in several folders is found in each of them, even where the graph reached only one copy', async () => {
  const s = syntheticCatalog(2000);
  const query = clustered(s.rand, s.centers, 2);
  const photo = normalize(Float32Array.from(query, (x) => x + s.rand() * 0.01));
  const copies = ['a/IMG_1.jpg', 'b/IMG_1.jpg', 'c/IMG_1.jpg', 'd/IMG_1.jpg'].map((name) => addFile(s.c, name).id);
  const gone = addFile(s.c, 'e/IMG_1.jpg', 'deleted').id;
  for (const id of [...copies, gone]) {
    s.c.db.prepare(`UPDATE files SET identity = 'same-bytes' WHERE id = ?`).run(id);
    saveEmbedding(s.c.db, id, modelId, photo, 2);
  }
  refreshIndexes(s.c.db, place(s.c), 1000);
  // The graph lost three of the four copies (as it does among exact twins for text queries): their nodes removed.
  const base = annBase(place(s.c), modelId);
  const manifest = readManifest(base, key)!;
  const lost = { generation: manifest.generation, changed: Int32Array.from(copies.slice(1)), rows: [], live: embeddedIds(s.c.db, modelId) };
  assert.equal(updateIndex(base, key, manifest, lost), 'done');
  assert.equal(readManifest(base, key)!.count, manifest.count - 3);
  const search = (filter = catalogFilter(s.c.db, {})) => rank(s.c.db, modelId, query, { limit: 20, filter, exact: false, cache: place(s.c), env });
  const hits = await search();
  assert.deepEqual(hits.slice(0, 4).map((h) => h.fileId), copies);
  assert.ok(hits.slice(0, 4).every((h) => h.score === hits[0]!.score));
  assert.ok(!hits.some((h) => h.fileId === gone));
  // Copies pass the search's filters like any candidate.
  const notB = listFilter({ mode: 'exclude', ids: Int32Array.from([copies[1]!]) });
  assert.deepEqual((await search(notB)).slice(0, 3).map((h) => h.fileId), [copies[0], copies[2], copies[3]]);
});

test('the index is built from the catalog in batches (never all vectors in memory): every row once, each found', () => {
  const s = syntheticCatalog(2500);
  const all = allVectors(s.c.db, modelId, dim);
  const batches = [...vectorBatches(s.c.db, modelId, dim, -1, 700)];
  assert.deepEqual(batches.map((b) => b.ids.length), [700, 700, 700, 400]);
  assert.deepEqual(Int32Array.from(batches.flatMap((b) => [...b.ids])), all.ids);
  assert.deepEqual(Float32Array.from(batches.flatMap((b) => [...b.data])), all.data);
  const base = annBase(place(s.c), modelId);
  const changes = { generation: modelGeneration(s.c.db, modelId), changed: idsWrittenSince(s.c.db, modelId, -1), rows: batches, live: embeddedIds(s.c.db, modelId) };
  assert.equal(updateIndex(base, key, null, changes), 'done');
  const reader = openReader(base, readManifest(base, key)!)!;
  assert.equal(reader.count, 2500);
  for (const i of [0, 699, 700, 1800, 2499]) assert.equal(reader.nearest(all.data.subarray(i * dim, (i + 1) * dim), () => 1)[0], all.ids[i]);
});

test('a big index is split into shards: each row in one, all searched, a change rewrites only the shards it touches', async () => {
  const s = syntheticCatalog(3000);
  const refresh = () => refreshIndexes(s.c.db, place(s.c), 1000, undefined, undefined, 1000);
  assert.deepEqual(refresh(), [{ modelId, outcome: 'done', rows: 3000 }]);
  const base = annBase(place(s.c), modelId);
  const first = readManifest(base, key)!;
  assert.deepEqual(first.shards.map((shard) => shard.count), [1000, 1000, 1000]);
  const total = await indexRecall(s, 10);
  assert.ok(total >= 0.98, `recall@20 over three shards ${total}`);
  const all = allVectors(s.c.db, modelId, dim);
  const reader = openReader(base, first)!;
  for (const i of [0, 999, 1000, 2500, 2999]) assert.equal(reader.nearest(all.data.subarray(i * dim, (i + 1) * dim), () => 1)[0], all.ids[i]);

  // A photo of the first shard re-embedded and 1,000 new ones: the first shard is rewritten without its old vector,
  // the full second and third are kept as they are, the new rows go to new shards.
  saveEmbedding(s.c.db, s.ids[5]!, modelId, clustered(s.rand, s.centers), 2);
  const near = clustered(s.rand, s.centers, 2);
  const added: number[] = [];
  s.c.db.transaction(() => {
    for (let i = 0; i < 1000; i++) {
      const f = addFile(s.c, `new${i}.jpg`);
      saveEmbedding(s.c.db, f.id, modelId, i === 0 ? near : clustered(s.rand, s.centers), 3);
      added.push(f.id);
    }
  })();
  assert.deepEqual(refresh(), [{ modelId, outcome: 'done', rows: 1001 }]);
  const second = readManifest(base, key)!;
  assert.deepEqual(second.shards.map((shard) => shard.count), [999, 1000, 1000, 1000, 1]);
  assert.deepEqual(second.shards.slice(1, 3), first.shards.slice(1, 3));
  assert.notEqual(second.shards[0]!.indexFile, first.shards[0]!.indexFile);
  assert.equal(fs.existsSync(`${s.c.cacheDir}/search/${first.shards[0]!.indexFile}`), false, 'the replaced shard is deleted');
  const keysOf = (file: string) => {
    const buf = fs.readFileSync(`${s.c.cacheDir}/search/${file}`);
    return [...new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4)];
  };
  const keys = second.shards.flatMap((shard) => keysOf(shard.keysFile));
  assert.deepEqual(keys.sort((a, b) => a - b), [...embeddedIds(s.c.db, modelId)]);
  const search = () => rank(s.c.db, modelId, near, { limit: 20, filter: catalogFilter(s.c.db, {}), exact: false, cache: place(s.c), env });
  assert.equal((await search())[0]!.fileId, added[0]);
});

test('a damaged shard that a change does not touch is rebuilt, not named again', () => {
  const s = syntheticCatalog(3000);
  const refresh = () => refreshIndexes(s.c.db, place(s.c), 1000, undefined, undefined, 1000);
  refresh();
  const base = annBase(place(s.c), modelId);
  fs.writeFileSync(`${s.c.cacheDir}/search/${readManifest(base, key)!.shards[1]!.indexFile}`, 'not an index');
  saveEmbedding(s.c.db, addFile(s.c, 'late.jpg').id, modelId, clustered(s.rand, s.centers), 2);
  assert.deepEqual(refresh(), [{ modelId, outcome: 'done', rows: 3001 }]);
  assert.equal(indexIntact(base, readManifest(base, key)!), true);
});

test('an index written before shards (one graph, no shard list) is built again by phase 2', () => {
  const s = syntheticCatalog(1200);
  const base = annBase(place(s.c), modelId);
  fs.mkdirSync(`${s.c.cacheDir}/search`, { recursive: true });
  const oldFile = `${base}.g1200.77.usearch`;
  fs.writeFileSync(oldFile, 'a graph of the old format');
  fs.writeFileSync(`${base}.ann.json`, JSON.stringify({ ...key, generation: modelGeneration(s.c.db, modelId), count: 1200, indexFile: path.basename(oldFile), keysFile: 'x.keys', indexBytes: 1, indexDigest: 'x' }));
  assert.equal(readManifest(base, key), null);
  assert.deepEqual(refreshIndexes(s.c.db, place(s.c), 1000), [{ modelId, outcome: 'done', rows: 1200 }]);
  assert.equal(readManifest(base, key)!.shards.length, 1);
  assert.equal(fs.existsSync(oldFile), false, 'the old graph is deleted');
});

test('below the threshold there is no index and results are the full scan', async () => {
  const s = syntheticCatalog(500);
  assert.deepEqual(refreshIndexes(s.c.db, place(s.c), 1000), []);
  assert.equal(fs.existsSync(`${annBase(place(s.c), modelId)}.ann.json`), false);
  const query = clustered(s.rand, s.centers, 2);
  const { ann, exact } = await both(s, query);
  assert.deepEqual(ann, exact);
});

test('an index file damaged on disk is rebuilt from the catalog', async () => {
  const s = syntheticCatalog(1500);
  refreshIndexes(s.c.db, place(s.c), 1000);
  const base = annBase(place(s.c), modelId);
  const manifest = readManifest(base, key)!;
  fs.writeFileSync(`${s.c.cacheDir}/search/${manifest.shards[0]!.indexFile}`, 'not an index');
  const f = addFile(s.c, 'late.jpg');
  saveEmbedding(s.c.db, f.id, modelId, clustered(s.rand, s.centers), 2);
  // One row behind, but the file fails its check: the search scans instead of mapping it, and phase 2 rebuilds.
  const query = clustered(s.rand, s.centers, 2);
  const { ann, exact } = await both(s, query);
  assert.deepEqual(ann, exact);
  assert.deepEqual(refreshIndexes(s.c.db, place(s.c), 1000), [{ modelId, outcome: 'done', rows: 1501 }]);
  assert.equal(readManifest(base, key)!.count, 1501);
});

test('searchableModels: models with a present file, newest first, found without counting the embeddings', () => {
  const s = syntheticCatalog(30);
  recordModel(s.c.db, { id: 'newer@1', name: 'newer', dir: s.c.dir, dim }, 5);
  recordModel(s.c.db, { id: 'gone@2', name: 'gone', dir: s.c.dir, dim }, 9);
  const onNewer = addFile(s.c, 'newer.jpg');
  saveEmbedding(s.c.db, onNewer.id, 'newer@1', clustered(s.rand, s.centers), 5);
  const onGone = addFile(s.c, 'gone.jpg', 'deleted');
  saveEmbedding(s.c.db, onGone.id, 'gone@2', clustered(s.rand, s.centers), 9);
  assert.deepEqual(
    searchableModels(s.c.db).map((m) => m.id),
    ['newer@1', modelId],
  );
  assert.equal(presentEmbeddingCount(s.c.db, modelId), 30);
  assert.equal(presentEmbeddingCount(s.c.db, 'gone@2'), 0);
});
