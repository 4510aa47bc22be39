/**
 * End-to-end: the real CLI indexes the generated clips (fixtures/videos) with ffmpeg: facts matching ffprobe and
 * exiftool, capture time/GPS/camera in the exif block, posters that are not black, CLIP search that finds videos,
 * broken clips failed with one-line reasons, Live Photo pairs linked. Needs ffmpeg and exiftool (CI installs both).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { repoRoot, sandbox, type Sandbox } from './helpers.js';

const tinyModel = path.join(repoRoot, 'fixtures', 'models', 'tiny-clip');
const GOOD = ['iphone.mov', 'android.mp4', 'rotated.mp4', 'hevc.mov', 'vp9.webm', 'h264.mkv', 'black-intro.mp4', 'IMG_0001.MOV', 'waves.mp4'];
const BROKEN = ['broken-truncated.mp4', 'broken-zero.mp4', 'broken-random.mov', 'broken-text.mov', 'broken-bitflip.mov', 'broken-codec.mp4'];

function library(box: Sandbox): string {
  const dir = path.join(box.dir, 'clips');
  fs.cpSync(path.join(repoRoot, 'fixtures', 'videos'), dir, { recursive: true });
  fs.copyFileSync(path.join(repoRoot, 'fixtures', 'photos', '2024', 'trip', 'waves.mp4'), path.join(dir, 'waves.mp4'));
  fs.copyFileSync(path.join(repoRoot, 'fixtures', 'photos', 'forest.jpg'), path.join(dir, 'forest.jpg'));
  return dir;
}

async function info(box: Sandbox, file: string) {
  const r = await box.run(['info', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const stateOf = (i: any, stage: string) => i.tasks.find((t: any) => t.stage === stage);
const exiftool = (file: string) => (JSON.parse(execFileSync('exiftool', ['-json', '-n', '-api', 'QuickTimeUTC', file], { encoding: 'utf8' })) as any[])[0];
const ffprobeDuration = (file: string) => Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }));

test('scan indexes videos: facts match ffprobe/exiftool, posters are not black, broken clips fail with reasons', async () => {
  const box = sandbox('indexer-video-');
  try {
    const dir = library(box);
    const scan = await box.run(['scan', dir, '--model', tinyModel, '--threads', '2'], { timeoutMs: 300_000 });
    assert.equal(scan.code, 0, scan.stderr);

    for (const name of GOOD) {
      const file = path.join(dir, name);
      const i = await info(box, file);
      assert.equal(stateOf(i, 'video').state, 'done', `${name}: ${stateOf(i, 'video').reason}`);
      assert.equal(stateOf(i, 'clip').state, 'done', name);
      assert.ok(Math.abs(i.video.durationSec - ffprobeDuration(file)) <= 0.15, name);
      const x = exiftool(file);
      const rotation = x.Rotation ?? 0;
      const [w, h] = String(x.ImageSize).split(/[x ]/).map(Number);
      assert.deepEqual([i.video.width, i.video.height, i.video.rotation], rotation % 180 ? [h, w, rotation] : [w, h, rotation], name);
      assert.ok(i.thumbnails.thumbExists && i.thumbnails.previewExists, name);
      assert.deepEqual([i.thumbnails.width, i.thumbnails.height], [i.video.width, i.video.height]);
      const stats = await sharp(i.thumbnails.previewPath).stats();
      const mean = stats.channels.slice(0, 3).reduce((s, c) => s + c.mean, 0) / 3;
      assert.ok(mean > 16, `${name}: poster is black (mean ${mean})`);
    }

    const iphone = await info(box, path.join(dir, 'iphone.mov'));
    const xi = exiftool(path.join(dir, 'iphone.mov'));
    assert.equal(iphone.exif.takenAt, '2023-07-14T18:22:05+02:00');
    assert.equal(iphone.exif.takenAtSource, 'quicktime');
    assert.equal(iphone.exif.takenAtMs, Date.parse(String(xi.CreationDate).replace(/^(\d+):(\d+):(\d+) /, '$1-$2-$3T')));
    assert.ok(Math.abs(iphone.exif.gpsLat - xi.GPSLatitude) < 1e-3 && Math.abs(iphone.exif.gpsLon - xi.GPSLongitude) < 1e-3);
    assert.deepEqual([iphone.exif.make, iphone.exif.model], [xi.Make, xi.Model]);
    assert.deepEqual([iphone.video.videoCodec, iphone.video.audioCodec, iphone.video.container], ['h264', 'aac', 'mov']);

    const android = await info(box, path.join(dir, 'android.mp4'));
    const xa = exiftool(path.join(dir, 'android.mp4'));
    assert.equal(android.exif.takenAtSource, 'quicktime-utc');
    // exiftool with QuickTimeUTC gives the header time with the machine's offset; the instant is what must match.
    assert.equal(android.exif.takenAtMs, Date.parse(String(xa.CreateDate).replace(/^(\d+):(\d+):(\d+) /, '$1-$2-$3T')));
    assert.ok(Math.abs(android.exif.gpsLat - -33.8688) < 1e-3 && Math.abs(android.exif.gpsLon - 151.2093) < 1e-3);

    const intro = await info(box, path.join(dir, 'black-intro.mp4'));
    assert.ok(intro.video.posterSec >= 2, `poster taken at ${intro.video.posterSec} s, inside the black intro`);
    const live = await info(box, path.join(dir, 'IMG_0001.MOV'));
    assert.equal(live.video.posterSec, 0, 'a sub-second clip takes its first frame');
    assert.equal(live.livePhoto.still, path.join(dir, 'IMG_0001.HEIC'));
    assert.equal((await info(box, path.join(dir, 'IMG_0001.HEIC'))).livePhoto.video, path.join(dir, 'IMG_0001.MOV'));
    assert.equal(iphone.livePhoto, null);

    for (const name of BROKEN) {
      const i = await info(box, path.join(dir, name));
      const t = stateOf(i, 'video');
      assert.equal(t.state, 'failed', name);
      assert.ok(t.reason.startsWith(path.join(dir, name) + ': '), t.reason);
      assert.ok(!t.reason.includes('\n') && t.reason.length < 400, t.reason);
      assert.equal(i.video, null);
    }
    const status = JSON.parse((await box.run(['status', '--json'])).stdout);
    for (const [stage, counts] of Object.entries<any>(status.stages)) assert.equal(counts.running, 0, stage);
    assert.equal(status.stages.video.pending, 0);
    assert.equal(status.stages.clip.pending, 0, 'nothing waits: a broken clip\'s clip task ends with its video task');
    for (const name of BROKEN) {
      const t = stateOf(await info(box, path.join(dir, name)), 'clip');
      assert.deepEqual([t.state, t.reason], ['skipped', 'not run, this file failed: video'], name);
    }

    // Motion photos: the still is a photo (thumbnail, exif done); its video block describes the embedded clip.
    for (const [name, kind] of [['PXL_motion.MP.jpg', 'google'], ['MVIMG_micro.jpg', 'microvideo'], ['samsung_motion.jpg', 'samsung']]) {
      const m = await info(box, path.join(dir, name!));
      assert.deepEqual(['thumbnail', 'exif', 'motion'].map((s) => stateOf(m, s).state), ['done', 'done', 'done'], name);
      assert.equal(m.video.motionPhoto, kind);
      assert.ok(Math.abs(m.video.durationSec - 1.53) <= 0.15, `${name}: ${m.video.durationSec}`);
      assert.equal(m.video.videoCodec, 'h264');
    }
    const forest = await info(box, path.join(dir, 'forest.jpg'));
    assert.deepEqual([stateOf(forest, 'motion').state, forest.video], ['done', null]);

    // The rotated clip's poster is the picture a player shows: ffmpeg's own upright frame at the same time, not the
    // stored landscape frame squeezed into portrait.
    const rotated = await info(box, path.join(dir, 'rotated.mp4'));
    const upright = path.join(box.dir, 'upright.png');
    execFileSync('ffmpeg', ['-v', 'error', '-ss', String(rotated.video.posterSec), '-i', path.join(dir, 'rotated.mp4'), '-frames:v', '1', upright]);
    const pixels = async (file: string) => (await sharp(file).resize(27, 48, { fit: 'fill' }).removeAlpha().raw().toBuffer());
    const [ours, theirs] = [await pixels(rotated.thumbnails.previewPath), await pixels(upright)];
    const diff = ours.reduce((s, v, k) => s + Math.abs(v - theirs[k]!), 0) / ours.length;
    assert.ok(diff < 12, `rotated poster differs from ffmpeg's upright frame by ${diff.toFixed(1)} per channel`);

    // Videos answer the same filters as photos: camera from the Keys atoms, dates from the capture time.
    const filtered = async (...args: string[]) => {
      const r = await box.run(['search', 'a picture', '--json', ...args]);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { path: string }[]).map((h) => path.basename(h.path)).sort();
    };
    assert.deepEqual(await filtered('--camera', 'iphone'), ['iphone.mov']);
    assert.deepEqual(await filtered('--after', '2022-03-01', '--before', '2022-03-02'), ['android.mp4']);

    const human = await box.run(['info', path.join(dir, 'rotated.mp4')]);
    assert.match(human.stdout, /video:\n {2}2\.\d\d s, 108x192, rotated 270°, 15 fps, h264, mp4/);
  } finally {
    box.cleanup();
  }
});

test('search finds videos by text, and --like with one of its frames finds the video', async () => {
  const box = sandbox('indexer-video-search-');
  try {
    const dir = path.join(box.dir, 'lib');
    fs.mkdirSync(dir);
    for (const f of ['beach.jpg', 'forest.jpg', '2024/trip/waves.mp4']) fs.copyFileSync(path.join(repoRoot, 'fixtures', 'photos', f), path.join(dir, path.basename(f)));
    const scan = await box.run(['scan', dir, '--model', tinyModel, '--threads', '2'], { timeoutMs: 120_000 });
    assert.equal(scan.code, 0, scan.stderr);
    const search = async (...args: string[]) => {
      const r = await box.run(['search', ...args, '--json', '-n', '3']);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { path: string }[]).map((h) => path.basename(h.path));
    };
    assert.equal((await search('blue'))[0], 'waves.mp4');
    const frame = path.join(box.dir, 'frame.jpg');
    execFileSync('ffmpeg', ['-v', 'error', '-ss', '1.5', '-i', path.join(dir, 'waves.mp4'), '-frames:v', '1', frame]);
    assert.equal((await search('--like', frame))[0], 'waves.mp4');
  } finally {
    box.cleanup();
  }
});
