import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { run } from '../../src/extract/thumbnail/work.js';
import { thumbnailStage } from '../../src/extract/thumbnail/stage.js';
import { previewPath, thumbPath } from '../../src/extract/thumbnail/paths.js';
import { done, media, taskInput, tempDir } from './helpers.js';
import { stageConfig } from '../../src/extract/registry.js';

/** Colour of the pixel at (fx, fy) as fractions of the image size. */
async function colourAt(file: string, fx: number, fy: number): Promise<{ r: number; g: number; b: number; a: number }> {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const x = Math.floor(info.width * fx), y = Math.floor(info.height * fy);
  const i = (y * info.width + x) * 4;
  return { r: data[i]!, g: data[i + 1]!, b: data[i + 2]!, a: data[i + 3]! };
}

const isRed = (c: { r: number; g: number; b: number }) => c.r > 180 && c.g < 90 && c.b < 90;
const isGreen = (c: { r: number; g: number; b: number }) => c.g > 160 && c.r < 100 && c.b < 100;
const isBlue = (c: { r: number; g: number; b: number }) => c.b > 160 && c.r < 100 && c.g < 100;

for (let n = 1; n <= 8; n++) {
  test(`EXIF orientation ${n} is applied: red top-left, green top-right, blue bottom-left`, async () => {
    const v = done(await run(taskInput(media('orientation', `orient-${n}.jpg`))));
    assert.deepEqual([v.width, v.height], [60, 40]);
    for (const file of [v.thumbPath, v.previewPath]) {
      assert.ok(isRed(await colourAt(file, 0.2, 0.2)), `${file} top-left`);
      assert.ok(isGreen(await colourAt(file, 0.8, 0.2)), `${file} top-right`);
      assert.ok(isBlue(await colourAt(file, 0.2, 0.8)), `${file} bottom-left`);
    }
  });
}

test('thumbnail and preview have the configured sizes and formats, never enlarged, with a thumbhash', async () => {
  const dir = tempDir('big');
  const big = path.join(dir, 'big.jpg');
  await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#3366aa' } }).jpeg().toFile(big);
  const v = done(await run(taskInput(big)));
  assert.deepEqual([v.width, v.height], [3000, 2000]);
  const thumb = await sharp(v.thumbPath).metadata();
  const preview = await sharp(v.previewPath).metadata();
  assert.deepEqual([thumb.format, thumb.width, thumb.height], ['webp', 256, 171]);
  assert.deepEqual([preview.format, preview.width, preview.height], ['jpeg', 1440, 960]);
  assert.ok(Buffer.from(v.thumbhash, 'base64').length > 5);

  const custom = done(await run(taskInput(big, { options: { thumbSize: 100, thumbFormat: 'png', previewSize: 5000, previewFormat: 'webp' } })));
  const t2 = await sharp(custom.thumbPath).metadata();
  const p2 = await sharp(custom.previewPath).metadata();
  assert.deepEqual([t2.format, t2.width], ['png', 100]);
  assert.deepEqual([p2.format, p2.width, p2.height], ['webp', 3000, 2000], 'a preview bigger than the original is not enlarged');
});

test('files land on identity-derived cache paths, written atomically (no temp files left)', async () => {
  const input = taskInput(media('gps.jpg'));
  const v = done(await run(input));
  assert.equal(v.thumbPath, thumbPath(input.cacheDir, input.identity, 'webp'));
  assert.equal(v.previewPath, previewPath(input.cacheDir, input.identity, 'jpeg'));
  const leftovers = fs.readdirSync(path.dirname(v.thumbPath)).filter((f) => f.endsWith('.tmp'));
  assert.deepEqual(leftovers, []);
});

test('CMYK with an embedded profile, Display P3 and 16-bit images come out as 8-bit sRGB', async () => {
  const dir = tempDir('colour');
  const cmykIcc = path.join(dir, 'cmyk-icc.jpg');
  await sharp(media('no-exif.png')).toColourspace('cmyk').withIccProfile('cmyk').jpeg().toFile(cmykIcc);
  for (const file of [media('cmyk.jpg'), cmykIcc, media('p3.jpg'), media('16bit.png')]) {
    const v = done(await run(taskInput(file)));
    for (const out of [v.thumbPath, v.previewPath]) {
      const m = await sharp(out).metadata();
      assert.equal(m.space, 'srgb', `${file} -> ${out}`);
      assert.equal(m.depth, 'uchar', `${file} -> ${out}`);
    }
    assert.ok(isRed(await colourAt(v.thumbPath, 0.2, 0.2)), `${file}: red stays red`);
  }
});

test('alpha is kept in the WebP thumbnail and flattened in the JPEG preview', async () => {
  const v = done(await run(taskInput(media('alpha.png'))));
  const t = await colourAt(v.thumbPath, 0.5, 0.5);
  assert.ok(t.a > 30 && t.a < 100, `alpha ${t.a}`);
  assert.equal((await sharp(v.previewPath).metadata()).hasAlpha, false);
});

test('an animated GIF gives its first frame', async () => {
  const v = done(await run(taskInput(media('animated.gif'))));
  assert.deepEqual([v.width, v.height], [30, 20]);
  assert.ok(isRed(await colourAt(v.thumbPath, 0.5, 0.5)));
});

test('HEIC is decoded', async () => {
  const v = done(await run(taskInput(media('sample.heic'))));
  assert.deepEqual([v.width, v.height], [60, 40]);
  assert.ok(isRed(await colourAt(v.thumbPath, 0.2, 0.2)));
});

test('a DNG gives its largest embedded JPEG, oriented by the RAW file', async () => {
  const v = done(await run(taskInput(media('sample.dng'))));
  assert.deepEqual([v.width, v.height], [80, 120]);
  const m = await sharp(v.previewPath).metadata();
  assert.deepEqual([m.width, m.height], [80, 120]);
});

test('a RAW file without a preview, and a video, are skipped with a reason', async () => {
  const raw = await run(taskInput(media('no-preview.nef')));
  assert.deepEqual(raw, { status: 'skipped', reason: 'RAW file without an embedded JPEG preview' });
  const video = await run(taskInput(media('clip.mp4')));
  assert.equal(video.status, 'skipped');
  assert.match((video as { reason: string }).reason, /video/);
  assert.deepEqual(thumbnailStage(stageConfig({ cacheDir: '/x', env: {}, options: {} }))!.accepts({ kind: 'video', ext: 'mp4' }).ok, false);
});

test('truncated and garbage files fail for good, naming the file and the cause', async () => {
  for (const [name, cause] of [
    ['truncated.jpg', /premature end|truncated/i],
    ['garbage.jpg', /not a recognised image/],
  ] as const) {
    const file = media(name);
    const r = await run(taskInput(file));
    assert.equal(r.status, 'failed');
    const f = r as { reason: string; retryable?: boolean };
    assert.equal(f.retryable, false);
    assert.ok(f.reason.startsWith(file + ': '), f.reason);
    assert.match(f.reason, cause);
  }
});

test('a decompression bomb is refused by the pixel limit, which is configurable', async () => {
  const bomb = await run(taskInput(media('bomb.png')));
  assert.equal(bomb.status, 'failed');
  assert.match((bomb as { reason: string }).reason, /decompression bomb: 100000x100000/);
  const small = await run(taskInput(media('gps.jpg'), { options: { pixelLimit: 1000 } }));
  assert.equal(small.status, 'failed');
  assert.match((small as { reason: string }).reason, /60x40 = 2400 pixels exceeds the pixel limit 1000/);
});

test('a missing file fails without crashing the worker', async () => {
  const input = taskInput(media('gps.jpg'));
  const r = await run({ ...input, path: path.join(tempDir('gone'), 'gone.jpg') });
  assert.equal(r.status, 'failed');
  assert.match((r as { reason: string }).reason, /gone\.jpg: cannot read: .*ENOENT/);
});

test('purge removes the cached thumbnail and preview', async () => {
  const input = taskInput(media('gps.jpg'));
  const v = done(await run(input));
  const stage = thumbnailStage(stageConfig({ cacheDir: input.cacheDir, env: {}, options: {} }))!;
  stage.purge!(input.identity);
  assert.equal(fs.existsSync(v.thumbPath), false);
  assert.equal(fs.existsSync(v.previewPath), false);
});

test('commit stores the row; a new identity (modified file) removes the old renditions unless a copy shares them', async () => {
  const { catalogWithFile } = await import('./helpers.js');
  const { getThumbnail } = await import('../../src/catalog/metadata.js');
  const file = media('gps.jpg');
  const { db, fileId } = catalogWithFile(file, 'aaaa1111');
  const first = taskInput(file, { identity: 'aaaa1111' });
  const stage = thumbnailStage(stageConfig({ cacheDir: first.cacheDir, env: {}, options: {} }))!;
  const v1 = done(await run(first));
  db.transaction(() => stage.commit(db, { taskId: 1, fileId, identity: 'aaaa1111' }, v1))();
  assert.equal(getThumbnail(db, fileId)!.thumbPath, v1.thumbPath);
  const v2 = done(await run({ ...first, identity: 'bbbb2222' }));
  db.transaction(() => stage.commit(db, { taskId: 2, fileId, identity: 'bbbb2222' }, v2))();
  assert.deepEqual([fs.existsSync(v1.thumbPath), fs.existsSync(v1.previewPath), fs.existsSync(v2.thumbPath)], [false, false, true]);
  // An identical copy keeps the old identity in use: its renditions stay.
  db.prepare(`UPDATE files SET identity = 'bbbb2222' WHERE id = ?`).run(fileId);
  const copy = db
    .prepare(`INSERT INTO files (root_id, path, kind, ext, size, mtime_ms, ino, dev, identity, first_seen, last_seen) SELECT root_id, path || '.copy', kind, ext, size, mtime_ms, '2', dev, 'bbbb2222', 0, 0 FROM files WHERE id = ?`)
    .run(fileId);
  assert.ok(copy.changes);
  const v3 = done(await run({ ...first, identity: 'cccc3333' }));
  db.transaction(() => stage.commit(db, { taskId: 3, fileId, identity: 'cccc3333' }, v3))();
  assert.equal(fs.existsSync(v2.thumbPath), true);
  db.close();
});
