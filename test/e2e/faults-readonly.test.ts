/**
 * Issue 13 item 7: a user who may read the catalog but not write it or its folder (nor the cache) can still use
 * status, info and search. The catalog is in WAL mode, whose readers would have to create its -shm file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { canDropPrivileges, sandbox } from './helpers.js';
import { tinyModel } from '../clip-helpers.js';

test('status, info and search work for a user who cannot write the catalog, its folder or the cache', { skip: !canDropPrivileges() && 'needs root and setpriv', timeout: 120_000 }, async () => {
  const box = sandbox('indexer-readonly-');
  const root = path.join(box.dir, 'photos');
  fs.mkdirSync(root, { recursive: true });
  await sharp({ create: { width: 200, height: 150, channels: 3, background: { r: 220, g: 20, b: 20 } } }).jpeg().toFile(path.join(root, 'red.jpg'));
  await sharp({ create: { width: 200, height: 150, channels: 3, background: { r: 20, g: 20, b: 220 } } }).jpeg().toFile(path.join(root, 'blue.jpg'));
  const env = { INDEXER_MODEL: tinyModel };
  try {
    const scan = await box.run(['scan', root, '--device', 'cpu'], { env });
    assert.equal(scan.code, 0, scan.stderr);
    // Readable by everyone, writable by the owner only (root); no -wal or -shm left behind by the writer.
    for (const p of [path.dirname(box.db), box.db, box.cache]) fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644);
    assert.deepEqual(fs.readdirSync(path.dirname(box.db)), ['catalog.db']);

    const status = await box.run(['status', '--json'], { env, asNobody: true });
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).files.present, 2);
    const info = await box.run(['info', path.join(root, 'red.jpg')], { env, asNobody: true });
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /red\.jpg/);
    const search = await box.run(['search', 'red', '--json', '--device', 'cpu'], { env, asNobody: true });
    assert.equal(search.code, 0, search.stderr);
    const hits = JSON.parse(search.stdout) as { path: string }[];
    assert.equal(hits.length, 2);
    assert.equal(hits[0]!.path, path.join(root, 'red.jpg'));
    assert.deepEqual(fs.readdirSync(path.dirname(box.db)), ['catalog.db'], 'the readers wrote nothing beside the catalog');
  } finally {
    box.cleanup();
  }
});
