/**
 * Paths compare byte by byte on both backends, whatever the PostgreSQL database's default collation: a folder's
 * files are one range of the path index ([dir/, dir0)), and lists come out in the same order. The PostgreSQL side
 * runs in a database whose default collation is ICU en-US (case- and accent-folding, as most servers' are); SQLite
 * compares bytes (BINARY). Before migration 012, a range for /p/a also caught /p/A/... and /p/á/... there.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openCatalog } from '../../src/catalog/open.js';
import { catalogKnowsPath } from '../../src/catalog/known-paths.js';
import { PgDb } from '../../src/catalog/pg/pg-db.js';
import type { Db } from '../../src/catalog/sql.js';
import { PG_SKIP, databaseUrl } from '../helpers/pg.js';
import { addFile, addRoot, tempCatalog } from '../tasks/helpers.js';

const PATHS = [
  '/p/a/1.jpg', '/p/A/2.jpg', '/p/á/3.jpg', '/p/Á/4.jpg', '/p/a b/5.jpg', '/p/a-b/6.jpg', '/p/a.b/7.jpg', '/p/a_b/8.jpg',
  '/p/a0.jpg', '/p/a/b/9.jpg', '/p/ab/10.jpg', '/p/B/11.jpg', '/p/b/12.jpg', '/p/e/13.jpg', '/p/é/14.jpg', '/p/É/15.jpg',
  '/p/ä/16.jpg', '/p/z/17.jpg', '/p/Z/18.jpg', '/p/~/19.jpg', '/p/日本/20.jpg', '/p/a/!.jpg', '/p/a/Ä.jpg', '/p/a/a.jpg',
];
const FOLDERS = ['/p/a', '/p/A', '/p/á', '/p/a b', '/p/e', '/p/é', '/p/E', '/p/B', '/p/日本', '/p'];

/** A PostgreSQL database whose default collation folds case and accents (ICU en-US), dropped after the test. */
function icuDatabase(t: TestContext): string {
  const admin = new PgDb(process.env.INDEXER_TEST_PG!);
  const name = `t_icu_${randomBytes(5).toString('hex')}`;
  try {
    admin.exec(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`);
  } finally {
    admin.close();
  }
  t.after(() => {
    const again = new PgDb(process.env.INDEXER_TEST_PG!);
    try {
      again.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      again.close();
    }
  });
  return databaseUrl(name);
}

/** What each backend answers: the files under each folder (a range), whether it knows the folder, every path in order. */
function answers(db: Db) {
  const root = addRoot(db, '/p');
  for (const p of PATHS) addFile(db, root, { path: p });
  const range = db.prepare(`SELECT path FROM files WHERE path >= ? AND path < ? ORDER BY path`).pluck();
  return {
    under: Object.fromEntries(FOLDERS.map((f) => [f, range.all(`${f}/`, `${f}0`)])),
    knows: Object.fromEntries(FOLDERS.map((f) => [f, catalogKnowsPath(db, f)])),
    ordered: db.prepare(`SELECT path FROM files ORDER BY path`).pluck().all(),
  };
}

test('path ranges and order on PostgreSQL (a case- and accent-folding default collation) are SQLite\'s, byte by byte', { skip: PG_SKIP }, (t) => {
  const sqlite = tempCatalog().db;
  const pg = openCatalog(icuDatabase(t));
  try {
    const want = answers(sqlite);
    // What SQLite says is what a user expects: the folder /p/a holds exactly its own files.
    assert.deepEqual(want.under['/p/a'], ['/p/a/!.jpg', '/p/a/1.jpg', '/p/a/a.jpg', '/p/a/b/9.jpg', '/p/a/Ä.jpg']);
    assert.equal(want.knows['/p/E'], false);
    assert.deepEqual(answers(pg), want);
  } finally {
    pg.close();
    sqlite.close();
  }
});
