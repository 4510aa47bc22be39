/** End-to-end: the real CLI scans generated media, runs thumbnail/exif/xmp on the worker pool, and `info` shows it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, sandbox, type Sandbox } from './helpers.js';

const STAGES = ['--stages', 'thumbnail,exif,xmp', '--threads', '2'];

function copyMedia(box: Sandbox): string {
  const dir = path.join(box.dir, 'photos');
  fs.cpSync(path.join(repoRoot, 'fixtures', 'media'), dir, { recursive: true });
  return dir;
}

async function info(box: Sandbox, file: string) {
  const r = await box.run(['info', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const stateOf = (i: any, stage: string) => i.tasks.find((t: any) => t.stage === stage);

test('scan runs the image stages on the pool; info shows identity, stages, EXIF, XMP and thumbnails', async () => {
  const box = sandbox('indexer-stages-');
  try {
    const dir = copyMedia(box);
    const scan = await box.run(['scan', dir, ...STAGES]);
    assert.equal(scan.code, 0, scan.stderr);

    const gps = await info(box, path.join(dir, 'gps.jpg'));
    assert.match(gps.file.identity, /^[0-9a-f]+$/);
    for (const s of ['thumbnail', 'exif', 'xmp']) assert.equal(stateOf(gps, s).state, 'done', s);
    assert.equal(gps.exif.takenAt, '2024-06-01T18:30:15.250+02:00');
    assert.equal(gps.exif.model, 'Fixture Cam 1');
    assert.ok(gps.exif.gpsLat < -33 && gps.exif.gpsLon > 151);
    assert.equal(gps.exif.tags.Make, 'Acme');
    assert.ok(gps.thumbnails.thumbExists && gps.thumbnails.previewExists);
    assert.ok(gps.thumbnails.thumbPath.startsWith(box.cache + path.sep));
    assert.equal(gps.xmp, null);

    const double = await info(box, path.join(dir, 'sidecar-double.jpg'));
    assert.equal(double.file.sidecarPath, path.join(dir, 'sidecar-double.jpg.xmp'));
    assert.deepEqual([double.xmp.rating, double.xmp.source, double.xmp.people], [5, 'both', ['Alice', 'Bob']]);
    const single = await info(box, path.join(dir, 'sidecar-single.jpg'));
    assert.deepEqual([single.xmp.rating, single.xmp.source], [4, 'sidecar']);

    const bomb = await info(box, path.join(dir, 'bomb.png'));
    assert.equal(stateOf(bomb, 'thumbnail').state, 'failed');
    assert.match(stateOf(bomb, 'thumbnail').reason, /bomb\.png: refused as a possible decompression bomb/);
    const garbage = await info(box, path.join(dir, 'garbage.jpg'));
    assert.match(stateOf(garbage, 'thumbnail').reason, /garbage\.jpg: not a recognised image/);
    const truncated = await info(box, path.join(dir, 'truncated.jpg'));
    assert.equal(stateOf(truncated, 'thumbnail').state, 'failed');
    assert.match(stateOf(truncated, 'thumbnail').reason, /truncated\.jpg: /);
    const video = await info(box, path.join(dir, 'clip.mp4'));
    assert.equal(stateOf(video, 'thumbnail').state, 'skipped');
    assert.match(stateOf(video, 'thumbnail').reason, /video/);
    const raw = await info(box, path.join(dir, 'no-preview.nef'));
    assert.deepEqual([stateOf(raw, 'thumbnail').state, stateOf(raw, 'thumbnail').reason], ['skipped', 'RAW file without an embedded JPEG preview']);
    const dng = await info(box, path.join(dir, 'sample.dng'));
    assert.deepEqual([dng.thumbnails.width, dng.thumbnails.height], [80, 120]);
    const heic = await info(box, path.join(dir, 'sample.heic'));
    assert.equal(stateOf(heic, 'thumbnail').state, 'done');

    const human = await box.run(['info', path.join(dir, 'gps.jpg')]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /camera\s+Acme Fixture Cam 1/);
    assert.match(human.stdout, /thumbnail\s+done/);
  } finally {
    box.cleanup();
  }
});

test('a changed sidecar re-runs only the xmp stage; a moved file keeps its thumbnails', async () => {
  const box = sandbox('indexer-stages-');
  try {
    const dir = copyMedia(box);
    assert.equal((await box.run(['scan', dir, ...STAGES])).code, 0);
    const file = path.join(dir, 'sidecar-single.jpg');
    const before = await info(box, file);
    const sidecar = path.join(dir, 'sidecar-single.xmp');
    fs.writeFileSync(sidecar, fs.readFileSync(sidecar, 'utf8').replace('<xmp:Rating>4</xmp:Rating>', '<xmp:Rating>1</xmp:Rating><xmp:Label>Green</xmp:Label>'));
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(sidecar, later, later);
    assert.equal((await box.run(['scan', dir, ...STAGES])).code, 0);
    const after = await info(box, file);
    assert.deepEqual([after.xmp.rating, after.xmp.label], [1, 'Green']);
    assert.notEqual(stateOf(after, 'xmp').updatedAt, stateOf(before, 'xmp').updatedAt, 'xmp re-ran');
    assert.equal(stateOf(after, 'thumbnail').updatedAt, stateOf(before, 'thumbnail').updatedAt, 'thumbnail did not');
    assert.equal(stateOf(after, 'exif').updatedAt, stateOf(before, 'exif').updatedAt, 'exif did not');

    const moved = path.join(dir, 'renamed.jpg');
    const gps = await info(box, path.join(dir, 'gps.jpg'));
    fs.renameSync(path.join(dir, 'gps.jpg'), moved);
    assert.equal((await box.run(['scan', dir, ...STAGES])).code, 0);
    const movedInfo = await info(box, moved);
    assert.equal(movedInfo.thumbnails.thumbPath, gps.thumbnails.thumbPath);
    assert.ok(movedInfo.thumbnails.thumbExists);
  } finally {
    box.cleanup();
  }
});

test('info on a file the catalog does not know exits 2 with one line', async () => {
  const box = sandbox('indexer-stages-');
  try {
    const dir = copyMedia(box);
    assert.equal((await box.run(['scan', dir, '--no-extract'])).code, 0);
    const r = await box.run(['info', path.join(box.dir, 'nope.jpg')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nope\.jpg is not in the catalog/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  } finally {
    box.cleanup();
  }
});

test('the README example library indexes cleanly', async () => {
  const box = sandbox('indexer-stages-');
  try {
    const r = await box.run(['scan', path.join(repoRoot, 'fixtures', 'photos'), ...STAGES, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const mountain = await info(box, path.join(repoRoot, 'fixtures', 'photos', '2024', 'trip', 'mountain.jpg'));
    assert.deepEqual([mountain.xmp.rating, mountain.xmp.title], [4, 'Morning above the clouds']);
    assert.ok(mountain.exif.gpsLat > 46);
    const rotated = await info(box, path.join(repoRoot, 'fixtures', 'photos', 'portrait-rotated.jpg'));
    assert.deepEqual([rotated.thumbnails.width, rotated.thumbnails.height], [320, 480]);
    const status = await box.run(['status', '--json']);
    assert.equal(status.code, 0);
  } finally {
    box.cleanup();
  }
});
