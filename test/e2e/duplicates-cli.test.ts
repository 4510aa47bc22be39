/**
 * End-to-end: the real CLI indexes a generated duplicate set (byte copies in other folders; half size, quality 55,
 * PNG, WebP, 4% crop, +8% brightness, pixels rotated with an EXIF orientation) and `indexer duplicates` finds it:
 * pair precision and recall against the truth, the keep choice, the output forms, and that nothing is deleted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { sandbox } from './helpers.js';
import { syntheticPhoto } from '../duplicates/synthetic.js';
import { pairScores, truthPairs, writeVariantSet, type VariantFile } from '../../scripts/duplicate-variants.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

interface JsonGroup {
  kind: string;
  score: number;
  keep: string;
  files: { path: string; width: number; height: number; size: number; takenAt: string | null }[];
}

test('indexer duplicates finds a generated variant set with pair precision >= 0.99 and recall >= 0.95, and deletes nothing', async () => {
  const box = sandbox('indexer-dupes-');
  try {
    const sourcesDir = path.join(box.dir, 'sources');
    fs.mkdirSync(sourcesDir);
    const sources: string[] = [];
    for (let i = 0; i < 8; i++) {
      const file = path.join(sourcesDir, `src${i}.jpg`);
      await syntheticPhoto(file, 1000 + i, i % 3 === 0 ? 480 : 640, i % 3 === 0 ? 640 : 480);
      sources.push(file);
    }
    const lib = path.join(box.dir, 'library');
    const files: VariantFile[] = await writeVariantSet(sources, lib);
    const scan = await box.run(['scan', lib, '--stages', 'thumbnail,exif,xmp', '--threads', '2'], { timeoutMs: 120_000 });
    assert.equal(scan.code, 0, scan.stderr);

    const r = await box.run(['duplicates', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const groups = (JSON.parse(r.stdout) as { groups: JsonGroup[] }).groups;
    const scores = pairScores(groups.map((g) => g.files.map((f) => f.path)), truthPairs(files));
    assert.ok(scores.precision >= 0.99 && scores.recall >= 0.95, JSON.stringify(scores));
    // Every variant but the crop lies within a few bits of its source: each must be in its source's group.
    const groupOf = new Map(groups.flatMap((g, i) => g.files.map((f) => [f.path, i] as const)));
    for (const f of files.filter((v) => v.variant !== 'crop4')) {
      const original = files.find((o) => o.source === f.source && o.variant === 'original')!;
      assert.equal(groupOf.get(f.path), groupOf.get(original.path), `${f.variant} of source ${f.source} is not grouped with it`);
    }
    for (const g of groups) {
      assert.equal(g.kind, 'near');
      assert.equal(g.files[0]!.path, g.keep);
      // Full size, JPEG, bytes as the camera... here the generator wrote them: the original or a byte copy is kept.
      assert.ok(['original', 'copy'].includes(files.find((f) => f.path === g.keep)!.variant), `kept ${g.keep}`);
      for (const f of g.files) assert.deepEqual(Object.keys(f), ['path', 'width', 'height', 'size', 'takenAt']);
    }

    const paths = await box.run(['duplicates', '--paths', '-0']);
    assert.equal(paths.code, 0, paths.stderr);
    const listed = paths.stdout.split('\0').filter(Boolean);
    assert.ok(paths.stdout.endsWith('\0'));
    assert.deepEqual(new Set(listed), new Set(groups.flatMap((g) => g.files.map((f) => f.path).filter((p) => p !== g.keep))));
    for (const f of files) assert.ok(fs.existsSync(f.path), `${f.path} was removed`);

    const html = path.join(box.dir, 'dupes.html');
    const page = await box.run(['duplicates', '--html', html, '--quiet']);
    assert.equal(page.code, 0, page.stderr);
    assert.equal(fs.readFileSync(html, 'utf8').split('<figure class="keep">').length - 1, groups.length);

    // --prefer: the copies under copy-b are kept; a deleted file is no longer listed.
    const gone = files.find((f) => f.variant === 'webp')!.path;
    fs.rmSync(gone);
    assert.equal((await box.run(['scan', lib, '--no-extract'])).code, 0);
    const preferred = await box.run(['duplicates', '--json', '--prefer', path.join(lib, 'copy-b')]);
    const after = (JSON.parse(preferred.stdout) as { groups: JsonGroup[] }).groups;
    assert.ok(after.every((g) => g.keep.startsWith(path.join(lib, 'copy-b') + path.sep)), preferred.stdout);
    assert.ok(!after.some((g) => g.files.some((f) => f.path === gone)));
  } finally {
    box.cleanup();
  }
});

test('byte copies are exact groups, confirmed by a whole-file hash (cached, also while another indexer works): same identity but different middle bytes is no match', async () => {
  const box = sandbox('indexer-dupes-exact-');
  try {
    const dir = path.join(box.dir, 'lib');
    fs.mkdirSync(path.join(dir, 'a'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'b'), { recursive: true });
    // A video: no perceptual hash, exact copies only. 300 KiB so the identity (first and last 64 KiB) skips bytes.
    const bytes = Buffer.alloc(300 * 1024, 7);
    fs.writeFileSync(path.join(dir, 'a', 'clip.mp4'), bytes);
    fs.writeFileSync(path.join(dir, 'b', 'clip.mp4'), bytes);
    const changed = Buffer.from(bytes);
    changed[150 * 1024] = 8;
    fs.writeFileSync(path.join(dir, 'b', 'clip-edited.mp4'), changed);
    assert.equal((await box.run(['scan', dir, '--no-extract'])).code, 0);
    // Another indexer (this live process, as far as the lock says) holds the catalog: duplicates neither waits nor
    // fails, and still caches the whole-file hashes it computed.
    fs.writeFileSync(`${box.db}.lock`, JSON.stringify({ pid: process.pid, host: os.hostname(), startTicks: null }) + '\n');
    const r = await box.run(['duplicates', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const db = new Database(box.db, { readonly: true });
    assert.equal(db.prepare('SELECT COUNT(*) FROM content_hashes').pluck().get(), 3);
    db.close();
    fs.rmSync(`${box.db}.lock`);
    const groups = (JSON.parse(r.stdout) as { groups: JsonGroup[] }).groups;
    assert.deepEqual(
      groups.map((g) => ({ kind: g.kind, files: g.files.map((f) => path.relative(dir, f.path)).sort() })),
      [{ kind: 'exact', files: ['a/clip.mp4', 'b/clip.mp4'] }],
    );
    // Offline files are not listed: the root disappears (an unmounted share).
    fs.renameSync(dir, dir + '-away');
    assert.equal((await box.run(['scan', '--no-extract'])).code, 0);
    const offline = await box.run(['duplicates', '--json']);
    assert.deepEqual(JSON.parse(offline.stdout), { groups: [] });
  } finally {
    box.cleanup();
  }
});
