/** search() on a real catalog: filters from exif/xmp, --like (indexed or not), present files only, a lost model. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Db } from '../../src/catalog/sql.js';
import { forEachBackend } from '../helpers/backends.js';
import { recordModel, saveEmbedding } from '../../src/catalog/embeddings.js';
import { ClipModel } from '../../src/models/clip-model.js';
import { imageToTensor } from '../../src/extract/image-tensor.js';
import { loadModelInfo } from '../../src/models/model-dir.js';
import { search, type SearchRequest } from '../../src/search/search.js';
import { addFile, colours, makeCatalog, solidImage, tempDir, tinyModel, type Rgb, type TestCatalog } from '../clip-helpers.js';

interface Photo {
  name: string;
  rgb: Rgb;
  takenAt?: string;
  make?: string;
  model?: string;
  rating?: number;
  keywords?: string[];
  state?: string;
}

/** Files embedded straight through the tiny model (the stage itself is tested in test/extract/clip). */
async function catalogWith(db: Db, photos: Photo[], modelDir = tinyModel): Promise<TestCatalog> {
  const c = makeCatalog('search', db);
  const info = loadModelInfo(modelDir);
  const model = new ClipModel(info, { device: 'cpu', warn: () => {} });
  recordModel(c.db, { id: info.id, name: info.name, dir: info.dir, dim: info.embedDim }, 1);
  for (const p of photos) {
    const f = addFile(c, p.name, p.state ?? 'present');
    const img = await solidImage(f.path, p.rgb);
    const [v] = await model.encodeImages([await imageToTensor(img, info.preprocess)]);
    saveEmbedding(c.db, f.id, info.id, v!, 1);
    if (p.takenAt || p.make || p.model) {
      c.db
        .prepare(`INSERT INTO exif (file_id, taken_at_ms, make, model) VALUES (?, ?, ?, ?)`)
        .run(f.id, p.takenAt ? Date.parse(p.takenAt + 'Z') : null, p.make ?? null, p.model ?? null);
    }
    if (p.rating !== undefined || p.keywords) {
      c.db.prepare(`INSERT INTO xmp (file_id, rating, keywords) VALUES (?, ?, ?)`).run(f.id, p.rating ?? null, JSON.stringify(p.keywords ?? []));
    }
  }
  await model.release();
  return c;
}

const names = async (c: TestCatalog, req: Partial<SearchRequest>, warnings: string[] = []) =>
  (await search(c.db, { limit: 20, filters: {}, device: 'cpu', ...req }, { env: {}, warn: (m) => warnings.push(m) })).map((r) =>
    path.basename(r.path),
  );

const library: Photo[] = [
  { name: 'red-2019-canon.png', rgb: colours.red!, takenAt: '2019-05-01T10:00:00', make: 'Canon', model: 'EOS 5D', rating: 5, keywords: ['Holiday', 'beach'] },
  { name: 'red-2023-nikon.png', rgb: [200, 40, 30], takenAt: '2023-07-01T10:00:00', make: 'NIKON CORPORATION', model: 'NIKON D3100', rating: 2, keywords: ['work'] },
  { name: 'blue-2023-canon.png', rgb: colours.blue!, takenAt: '2023-08-01T10:00:00', make: 'Canon', model: 'EOS R5', rating: 4, keywords: ['beach'] },
  { name: 'green-nodate.png', rgb: colours.green! },
  { name: 'red-deleted.png', rgb: [255, 0, 0], state: 'deleted' },
];

forEachBackend((backend) => {
  test('ranking: best first, only present files, -n limits', async (t) => {
    const c = await catalogWith(backend.open(t), library);
    const red = await names(c, { text: 'red' });
    assert.deepEqual(red.slice(0, 2).sort(), ['red-2019-canon.png', 'red-2023-nikon.png']);
    assert.ok(!red.includes('red-deleted.png'));
    assert.equal(red.length, 4);
    assert.deepEqual(await names(c, { text: 'blue', limit: 1 }), ['blue-2023-canon.png']);
  });

  test('filters combine with the query: dates, camera, rating, keywords', async (t) => {
    const c = await catalogWith(backend.open(t), library);
    const ms = (d: string) => Date.parse(d + 'Z');
    assert.deepEqual(await names(c, { text: 'red', filters: { afterMs: ms('2020-01-01T00:00:00') } }), ['red-2023-nikon.png', 'blue-2023-canon.png']);
    assert.deepEqual(await names(c, { text: 'red', filters: { beforeMs: ms('2020-01-01T00:00:00') } }), ['red-2019-canon.png']);
    assert.deepEqual((await names(c, { text: 'red', filters: { camera: 'canon' } })).sort(), ['blue-2023-canon.png', 'red-2019-canon.png']);
    assert.deepEqual(await names(c, { text: 'red', filters: { camera: 'd3100' } }), ['red-2023-nikon.png']);
    assert.deepEqual(await names(c, { text: 'red', filters: { minRating: 4 } }), ['red-2019-canon.png', 'blue-2023-canon.png']);
    assert.deepEqual(await names(c, { text: 'red', filters: { keywords: ['BEACH'] } }), ['red-2019-canon.png', 'blue-2023-canon.png']);
    assert.deepEqual(await names(c, { text: 'red', filters: { keywords: ['beach', 'holiday'] } }), ['red-2019-canon.png']);
    assert.deepEqual(await names(c, { text: 'red', filters: { camera: '100%_' } }), []);
  });

  test('--like: an indexed image uses its stored vector, an unindexed one is embedded', async (t) => {
    const c = await catalogWith(backend.open(t), library);
    assert.equal((await names(c, { likePath: path.join(c.dir, 'photos', 'blue-2023-canon.png') }))[0], 'blue-2023-canon.png');
    const outside = await solidImage(path.join(tempDir('like'), 'greenish.png'), [40, 210, 60]);
    assert.equal((await names(c, { likePath: outside }))[0], 'green-nodate.png');
    // Text and example together.
    const both = await names(c, { text: 'red', likePath: outside });
    assert.equal(both.length, 4);
    await assert.rejects(search(c.db, { likePath: path.join(c.dir, 'nope.png'), limit: 3, filters: {}, device: 'cpu' }, { env: {}, warn: () => {} }), /no such file/);
    const notImage = path.join(c.dir, 'notes.txt');
    fs.writeFileSync(notImage, 'hello');
    await assert.rejects(search(c.db, { likePath: notImage, limit: 3, filters: {}, device: 'cpu' }, { env: {}, warn: () => {} }), /not a readable image/);
  });

  test('a model whose files are gone is skipped with a warning naming it; --model finds it again', async (t) => {
    const moved = path.join(tempDir('model'), 'tiny-clip');
    fs.cpSync(tinyModel, moved, { recursive: true });
    const c = await catalogWith(backend.open(t), library.slice(0, 2), moved);
    const elsewhere = path.join(tempDir('model2'), 'tiny-clip');
    fs.renameSync(moved, elsewhere);
    const warnings: string[] = [];
    assert.deepEqual(await names(c, { text: 'red' }, warnings), []);
    assert.match(warnings.join('\n'), /2 files were embedded with tiny-clip@[0-9a-f]{12}, which cannot be loaded .*pass --model DIR/);
    assert.equal((await names(c, { text: 'red', modelSpec: elsewhere })).length, 2);
  });

  test('an empty catalog answers nothing, with a hint', async (t) => {
    const c = makeCatalog('empty', backend.open(t));
    const warnings: string[] = [];
    assert.deepEqual(await names(c, { text: 'red' }, warnings), []);
    assert.match(warnings[0]!, /no embeddings in the catalog yet/);
  });
});
