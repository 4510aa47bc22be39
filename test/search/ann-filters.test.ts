/**
 * `--camera`, `--after`, ... on catalogs big enough for the approximate index: applied before the top-k cut, checked
 * on the index's candidates only (a broad filter never lists the whole catalog), and a filter too narrow for the
 * index's beam answered by the full scan.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { saveEmbedding, type SearchFilters } from '../../src/catalog/embeddings.js';
import { refreshIndexes } from '../../src/search/ann-store.js';
import { catalogFilter, type CandidateFilter } from '../../src/search/candidate-filter.js';
import { rank } from '../../src/search/rank.js';
import { normalize } from '../../src/search/vectors.js';
import { addFile } from '../clip-helpers.js';
import { both, clustered, env, modelId, place, recall, syntheticCatalog, type Synthetic } from './ann-catalog.js';

/** A quarter of the photos from an iPhone, the rest from a Canon; photo i taken on day i of 2020. */
function withExif(n: number): Synthetic {
  const s = syntheticCatalog(n);
  const exif = s.c.db.prepare(`INSERT INTO exif (file_id, taken_at_ms, make, model) VALUES (?, ?, ?, ?)`);
  s.c.db.transaction(() => {
    s.ids.forEach((id, i) => exif.run(id, Date.UTC(2020, 0, 1) + i * 86_400_000, ...(i % 4 === 0 ? ['Apple', 'iPhone 13'] : ['Canon', 'EOS R6'])));
  })();
  refreshIndexes(s.c.db, place(s.c), 1000);
  return s;
}

/** The filter search builds for these filters, noting whether the full list of passing files was asked for. */
function watched(s: Synthetic, filters: SearchFilters): { filter: CandidateFilter; listed: () => boolean } {
  const inner = catalogFilter(s.c.db, filters);
  let listed = false;
  return {
    filter: { passing: (ids) => inner.passing(ids), all: () => ((listed = true), inner.all()) },
    listed: () => listed,
  };
}

test('--camera at the index path: only matching photos, recall@20 >= 0.95 against --exact, the catalog never listed', async () => {
  const s = withExif(3000);
  const iphones = new Set(s.ids.filter((_, i) => i % 4 === 0));
  let total = 0;
  for (let q = 0; q < 5; q++) {
    const w = watched(s, { camera: 'iphone' });
    const query = clustered(s.rand, s.centers, 2);
    const o = { limit: 20, cache: place(s.c), env };
    const ann = await rank(s.c.db, modelId, query, { ...o, filter: w.filter, exact: false });
    assert.equal(w.listed(), false, 'the index path checks its candidates only');
    const exact = await rank(s.c.db, modelId, query, { ...o, filter: catalogFilter(s.c.db, { camera: 'iphone' }), exact: true });
    assert.equal(ann.length, 20);
    assert.ok(ann.every((h) => iphones.has(h.fileId)));
    assert.ok(exact.every((h) => iphones.has(h.fileId)));
    total += recall(ann, exact) / 5;
  }
  assert.ok(total >= 0.95, `recall@20 ${total}`);
});

test('a filter too narrow for the index beam is answered by the full scan, exactly as --exact', async () => {
  const s = withExif(3000);
  // The last 12 days: 12 photos of 3000, fewer than the index re-scores.
  const w = watched(s, { afterMs: Date.UTC(2020, 0, 1) + 2988 * 86_400_000 });
  const { ann, exact } = await both(s, clustered(s.rand, s.centers, 2), w.filter);
  assert.equal(w.listed(), true);
  assert.equal(ann.length, 12);
  assert.deepEqual(ann, exact);
});

test('photos added since the index was built pass the same filter: a new iPhone photo is found, a new Canon one is not', async () => {
  const s = withExif(3000);
  const query = clustered(s.rand, s.centers, 2);
  const near = () => normalize(Float32Array.from(query, (x) => x + s.rand() * 0.01));
  const exif = s.c.db.prepare(`INSERT INTO exif (file_id, taken_at_ms, make, model) VALUES (?, 0, ?, ?)`);
  const iphone = addFile(s.c, 'new-iphone.jpg').id;
  const canon = addFile(s.c, 'new-canon.jpg').id;
  exif.run(iphone, 'Apple', 'iPhone 15');
  exif.run(canon, 'Canon', 'EOS R5');
  saveEmbedding(s.c.db, iphone, modelId, near(), 2);
  saveEmbedding(s.c.db, canon, modelId, near(), 2);
  const w = watched(s, { camera: 'iphone' });
  const ann = await rank(s.c.db, modelId, query, { limit: 20, cache: place(s.c), env, filter: w.filter, exact: false });
  assert.equal(w.listed(), false, 'answered by the index and the rows written since');
  assert.equal(ann[0]!.fileId, iphone);
  assert.ok(!ann.some((h) => h.fileId === canon));
  const unfiltered = await rank(s.c.db, modelId, query, { limit: 20, cache: place(s.c), env, filter: catalogFilter(s.c.db, {}), exact: false });
  assert.deepEqual(unfiltered.slice(0, 2).map((h) => h.fileId).sort(), [iphone, canon].sort());
});
