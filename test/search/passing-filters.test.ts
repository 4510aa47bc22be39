/**
 * The check the approximate index path makes of its candidates (passingFilters): the same files as the full list
 * the full scan uses (fileFilter), in the candidates' order, on both catalog backends.
 */
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { fileFilter, passingFilters, type SearchFilters } from '../../src/catalog/embeddings.js';
import type { Db } from '../../src/catalog/sql.js';
import { forEachBackend, type Backend } from '../helpers/backends.js';

/** 40 photos: every 3rd from an iPhone, photo i taken on day i of 2020, rated i % 6 - 1, every 4th keyworded; #7 deleted. */
function catalogWithMetadata(backend: Backend, t: TestContext): { db: Db; ids: number[] } {
  const db = backend.open(t);
  const root = Number(db.prepare(`INSERT INTO roots (path, added_at) VALUES ('/p', 0) RETURNING id`).pluck().get());
  const ids: number[] = [];
  for (let i = 0; i < 40; i++) {
    const id = Number(
      db
        .prepare(
          `INSERT INTO files (root_id, path, kind, ext, size, mtime_ms, ino, dev, identity, state, first_seen, last_seen)
           VALUES (?, ?, 'image', 'jpg', 1, 0, '1', 1, ?, ?, 0, 0) RETURNING id`,
        )
        .pluck()
        .get(root, `/p/${i}.jpg`, `id${i}`, i === 7 ? 'deleted' : 'present'),
    );
    const [make, model] = i % 3 === 0 ? ['Apple', 'iPhone 13'] : ['Canon', 'EOS R6'];
    db.prepare(`INSERT INTO exif (file_id, taken_at_ms, make, model) VALUES (?, ?, ?, ?)`).run(id, Date.UTC(2020, 0, 1 + i), make, model);
    db.prepare(`INSERT INTO xmp (file_id, rating, keywords) VALUES (?, ?, ?)`).run(id, (i % 6) - 1, i % 4 === 0 ? '["Beach","dog"]' : '[]');
    ids.push(id);
  }
  return { db, ids };
}

forEachBackend((backend) => {
  it('candidates passing the filters are those of the full list, in the order given', (t) => {
    const { db, ids } = catalogWithMetadata(backend, t);
    // Candidates best first (any order), with an id no file has.
    const candidates = [...ids.slice(20), 999_999, ...ids.slice(0, 20).reverse()];
    const cases: SearchFilters[] = [{ camera: 'iphone' }, { afterMs: Date.UTC(2020, 0, 31) }, { minRating: 3 }, { keywords: ['beach'] }, { camera: 'canon', beforeMs: Date.UTC(2020, 0, 11) }];
    for (const filters of cases) {
      const all = new Set(fileFilter(db, filters).ids);
      const expected = candidates.filter((id) => all.has(id));
      assert.ok(expected.length > 0 && expected.length < ids.length - 1, JSON.stringify(filters));
      assert.deepEqual(passingFilters(db, filters, candidates), expected, JSON.stringify(filters));
      assert.deepEqual(passingFilters(db, filters, candidates.slice(0, 5)), expected.filter((id) => candidates.slice(0, 5).includes(id)));
    }
    assert.deepEqual(passingFilters(db, { camera: 'canon' }, [ids[7]!]), [], 'a deleted file never passes');
    assert.deepEqual(passingFilters(db, { camera: 'canon' }, []), []);
  });
});
