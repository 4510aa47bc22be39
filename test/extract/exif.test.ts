import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../src/extract/exif/work.js';
import { normalizeExif, parseExifDate, type ExifRecord } from '../../src/extract/exif/normalize.js';
import { exifStage } from '../../src/extract/exif/stage.js';
import { getExif } from '../../src/catalog/metadata.js';
import type { StageOutcome } from '../../src/extract/stage.js';
import { catalogWithFile, media, taskInput } from './helpers.js';
import { stageConfig } from '../../src/extract/registry.js';

function done(outcome: StageOutcome<ExifRecord>): ExifRecord {
  assert.equal(outcome.status, 'done', JSON.stringify(outcome));
  return (outcome as { value: ExifRecord }).value;
}

test('dates keep sub-seconds and the UTC offset; UTC ms accounts for the offset', () => {
  const d = parseExifDate('2024:06:01 18:30:15', '25', '+02:00')!;
  assert.equal(d.takenAt, '2024-06-01T18:30:15.250+02:00');
  assert.equal(d.takenAtSource, 'exif');
  assert.equal(d.takenAtMs, Date.UTC(2024, 5, 1, 16, 30, 15, 250));
  const west = parseExifDate('2024:06:01 18:30:15', undefined, '-05:30')!;
  assert.equal(west.takenAtMs, Date.UTC(2024, 5, 1, 24, 0, 15));
});

test('a date without offset is local wall time, marked as such', () => {
  const d = parseExifDate('2019:12:31 23:59:58', null, undefined)!;
  assert.deepEqual(d, { takenAt: '2019-12-31T23:59:58', takenAtMs: Date.UTC(2019, 11, 31, 23, 59, 58), takenAtSource: 'exif-local' });
});

test('blank and zero dates are ignored and the mtime is the marked fallback', () => {
  assert.equal(parseExifDate('0000:00:00 00:00:00', null, null), null);
  assert.equal(parseExifDate('    :  :     :  :  ', null, null), null);
  const mtime = Date.UTC(2020, 0, 2, 3, 4, 5);
  const r = normalizeExif({ DateTimeOriginal: '0000:00:00 00:00:00' }, mtime);
  assert.deepEqual([r.takenAt, r.takenAtMs, r.takenAtSource], ['2020-01-02T03:04:05.000Z', mtime, 'mtime']);
});

test('DateTimeOriginal wins over CreateDate, which wins over ModifyDate', () => {
  const r = normalizeExif({ ModifyDate: '2001:01:01 00:00:00', CreateDate: '2002:02:02 00:00:00', DateTimeOriginal: '2003:03:03 00:00:00' }, 0);
  assert.equal(r.takenAt, '2003-03-03T00:00:00');
  assert.equal(normalizeExif({ ModifyDate: '2001:01:01 00:00:00', CreateDate: '2002:02:02 00:00:00' }, 0).takenAt, '2002-02-02T00:00:00');
});

test('GPS becomes signed decimal degrees; altitude below sea level is negative; out-of-range is dropped', () => {
  const r = normalizeExif(
    { GPSLatitude: [33, 51, 35.4], GPSLatitudeRef: 'S', GPSLongitude: [151, 12, 30], GPSLongitudeRef: 'E', GPSAltitude: 12, GPSAltitudeRef: new Uint8Array([1]) },
    0,
  );
  assert.ok(Math.abs(r.gpsLat! - -33.85983333) < 1e-6);
  assert.ok(Math.abs(r.gpsLon! - 151.20833333) < 1e-6);
  assert.equal(r.gpsAlt, -12);
  const bad = normalizeExif({ GPSLatitude: [133, 0, 0], GPSLatitudeRef: 'N', GPSLongitude: [1, 0, 0], GPSLongitudeRef: 'W' }, 0);
  assert.equal(bad.gpsLat, null);
  const west = normalizeExif({ GPSLatitude: 10.5, GPSLatitudeRef: 'N', GPSLongitude: 20.25, GPSLongitudeRef: 'W' }, 0);
  assert.deepEqual([west.gpsLat, west.gpsLon], [10.5, -20.25]);
});

test('a camera JPEG gives typed columns and the full tag set', async () => {
  const v = done(await run(taskInput(media('gps.jpg'))));
  assert.equal(v.takenAt, '2024-06-01T18:30:15.250+02:00');
  assert.equal(v.takenAtSource, 'exif');
  assert.deepEqual([v.make, v.model, v.lens, v.iso, v.fNumber, v.exposureTime, v.focalLength, v.focalLength35], [
    'Acme',
    'Fixture Cam 1',
    'Acme 50mm F2.8',
    200,
    2.8,
    0.004,
    50,
    75,
  ]);
  assert.ok(Math.abs(v.gpsLat! - -33.859833) < 1e-5 && Math.abs(v.gpsLon! - 151.208333) < 1e-5);
  assert.equal(v.gpsAlt, 12);
  assert.equal(v.software, 'make-fixtures');
  // The full tag set travels as JSON text, ready for the catalog.
  assert.equal((JSON.parse(v.tagsJson) as Record<string, unknown>).Model, 'Fixture Cam 1');
});

test('orientation, local time and RAW containers are read', async () => {
  assert.equal(done(await run(taskInput(media('orientation', 'orient-7.jpg')))).orientation, 7);
  const local = done(await run(taskInput(media('local-time.jpg'))));
  assert.deepEqual([local.takenAt, local.takenAtSource], ['2019-12-31T23:59:58', 'exif-local']);
  const dng = done(await run(taskInput(media('sample.dng'))));
  assert.deepEqual([dng.make, dng.model, dng.orientation], ['Acme', 'Fixture DNG', 6]);
});

test('an image without metadata falls back to the mtime; garbage fails with the file named', async () => {
  const input = taskInput(media('no-exif.png'));
  const v = done(await run(input));
  assert.deepEqual([v.takenAtSource, v.takenAtMs, v.make], ['mtime', input.mtimeMs, null]);
  const g = await run(taskInput(media('garbage.jpg')));
  assert.equal(g.status, 'failed');
  assert.match((g as { reason: string }).reason, /garbage\.jpg: not a recognised image/);
});

test('commit writes the typed columns and JSON in the catalog', async () => {
  const file = media('gps.jpg');
  const v = done(await run(taskInput(file)));
  const { db, fileId } = catalogWithFile(file);
  const stage = exifStage(stageConfig({ cacheDir: '/unused', env: {}, options: {} }))!;
  db.transaction(() => stage.commit(db, { taskId: 1, fileId, identity: 'x' }, v))();
  const row = getExif(db, fileId)!;
  assert.equal(row.model, 'Fixture Cam 1');
  assert.equal(row.takenAtMs, Date.UTC(2024, 5, 1, 16, 30, 15, 250));
  assert.equal(JSON.parse(row.tagsJson!).Make, 'Acme');
  // The search filters read these columns by name.
  const viaSql = db.prepare('SELECT taken_at_ms, make, model FROM exif WHERE file_id = ?').get(fileId);
  assert.deepEqual(viaSql, { taken_at_ms: row.takenAtMs, make: 'Acme', model: 'Fixture Cam 1' });
  db.close();
});
