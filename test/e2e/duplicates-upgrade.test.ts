/** A catalog indexed before perceptual hashes existed fills them in on `indexer resume` (thumbnail stage v2). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { repoRoot, sandbox } from './helpers.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

test('photos without a perceptual hash are named once, and resume computes them (the stage version went up)', async () => {
  const box = sandbox('indexer-dupes-upgrade-');
  try {
    const dir = path.join(box.dir, 'photos');
    fs.cpSync(path.join(repoRoot, 'fixtures', 'photos'), dir, { recursive: true });
    assert.equal((await box.run(['scan', dir, '--stages', 'thumbnail'])).code, 0);
    const photos = (await box.run(['duplicates', '--json'])).stderr;
    assert.doesNotMatch(photos, /no perceptual hash/);

    // What a catalog from before looks like: thumbnails done by version 1 of the stage, no hashes.
    const db = new Database(box.db);
    db.prepare(`UPDATE tasks SET fingerprint = replace(fingerprint, ':v2', ':v1') WHERE stage = 'thumbnail'`).run();
    const hashed = db.prepare('DELETE FROM perceptual_hashes').run().changes;
    db.close();
    assert.ok(hashed >= 3, `only ${hashed} hashes were stored`);

    const before = await box.run(['duplicates', '--json']);
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stderr, new RegExp(`${hashed} photos have no perceptual hash yet \\(run 'indexer resume'\\)`));
    assert.equal((await box.run(['resume', '--stages', 'thumbnail'])).code, 0);
    const after = await box.run(['duplicates', '--json']);
    assert.doesNotMatch(after.stderr, /no perceptual hash/);
    const check = new Database(box.db, { readonly: true });
    assert.equal(check.prepare('SELECT COUNT(*) FROM perceptual_hashes').pluck().get(), hashed);
    check.close();
  } finally {
    box.cleanup();
  }
});
