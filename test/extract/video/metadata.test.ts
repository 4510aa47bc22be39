/** Capture time, GPS and camera of videos from ffprobe's tags, and ffprobe's JSON into facts (pure functions). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIso6709, videoCamera, videoPlace, videoTaken } from '../../../src/extract/video/metadata.js';
import { parseProbe } from '../../../src/extract/video/probe.js';

const MTIME = Date.UTC(2026, 0, 2, 3, 4, 5);

test('capture time: the Apple creation date with its offset wins over the UTC header time', () => {
  const t = videoTaken({ 'com.apple.quicktime.creationdate': '2023-07-14T18:22:05+0200', creation_time: '2023-07-14T16:22:06.000000Z' }, MTIME);
  assert.deepEqual(t, { takenAt: '2023-07-14T18:22:05+02:00', takenAtMs: Date.UTC(2023, 6, 14, 16, 22, 5), takenAtSource: 'quicktime' });
});

test('capture time: the header time is UTC (not camera-local), the epoch placeholders are not a date, mtime last', () => {
  const header = videoTaken({ creation_time: '2022-03-01T09:30:00.000000Z' }, MTIME);
  assert.deepEqual(header, { takenAt: '2022-03-01T09:30:00.000Z', takenAtMs: Date.UTC(2022, 2, 1, 9, 30), takenAtSource: 'quicktime-utc' });
  // No offset on the Apple date: the exact instant is unknown there, the header's UTC time is used.
  assert.equal(videoTaken({ 'com.apple.quicktime.creationdate': '2023-07-14T18:22:05', creation_time: '2023-07-14T16:22:06Z' }, MTIME).takenAtSource, 'quicktime-utc');
  assert.equal(videoTaken({ creation_time: '1904-01-01T00:00:00.000000Z' }, MTIME).takenAtSource, 'mtime');
  assert.equal(videoTaken({ creation_time: '1970-01-01T00:00:00.000000Z' }, MTIME).takenAtMs, MTIME);
  assert.deepEqual(videoTaken({}, MTIME), { takenAt: new Date(MTIME).toISOString(), takenAtMs: MTIME, takenAtSource: 'mtime' });
});

test('ISO 6709: signed decimal degrees with and without altitude, degree-minute forms, no-fix zeros', () => {
  assert.deepEqual(parseIso6709('+48.8584+002.2945+035.000/'), { gpsLat: 48.8584, gpsLon: 2.2945, gpsAlt: 35 });
  assert.deepEqual(parseIso6709('-33.8688+151.2093/'), { gpsLat: -33.8688, gpsLon: 151.2093, gpsAlt: null });
  assert.deepEqual(parseIso6709('+37.4220-122.0841-012.5/'), { gpsLat: 37.422, gpsLon: -122.0841, gpsAlt: -12.5 });
  const dm = parseIso6709('+4851.504+00217.670/')!;
  assert.ok(Math.abs(dm.gpsLat! - 48.8584) < 1e-4 && Math.abs(dm.gpsLon! - 2.29450) < 1e-4);
  const dms = parseIso6709('+485130.24+0021740.2/')!;
  assert.ok(Math.abs(dms.gpsLat! - 48.8584) < 1e-4 && Math.abs(dms.gpsLon! - 2.2945) < 1e-4);
  assert.equal(parseIso6709('+00.0000+000.0000/'), null);
  assert.equal(parseIso6709('+95.0+010.0/'), null);
  assert.equal(parseIso6709('somewhere'), null);
});

test('GPS and camera: Apple Keys first, then the user-data strings with their language suffix', () => {
  assert.deepEqual(videoPlace({ 'location-eng': '+37.4220-122.0841/' }), { gpsLat: 37.422, gpsLon: -122.0841, gpsAlt: null });
  assert.deepEqual(videoPlace({ 'com.apple.quicktime.location.ISO6709': '+48.8584+002.2945/', location: '+1.0+1.0/' }).gpsLat, 48.8584);
  assert.deepEqual(videoPlace({}), { gpsLat: null, gpsLon: null, gpsAlt: null });
  assert.deepEqual(videoCamera({ 'com.apple.quicktime.make': 'Apple', 'com.apple.quicktime.model': 'iPhone 13' }), { make: 'Apple', model: 'iPhone 13' });
  assert.deepEqual(videoCamera({ 'com.android.manufacturer': 'Google', 'com.android.model': 'Pixel 7' }), { make: 'Google', model: 'Pixel 7' });
  assert.deepEqual(videoCamera({ 'make-eng': 'samsung', 'model-eng': 'SM-G991B' }), { make: 'samsung', model: 'SM-G991B' });
});

const stream = (extra: Record<string, unknown> = {}) => ({
  codec_type: 'video',
  codec_name: 'h264',
  width: 1920,
  height: 1080,
  avg_frame_rate: '30000/1001',
  ...extra,
});

test('ffprobe JSON: displayed size after the display matrix, clockwise rotation, codecs, container, rates', () => {
  const r = parseProbe(
    {
      streams: [stream({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] }), { codec_type: 'audio', codec_name: 'aac' }],
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '8.008', bit_rate: '17000000', tags: { major_brand: 'qt  ' } },
    },
    'mov',
  );
  assert.ok(r.ok);
  assert.deepEqual(r.probe.facts, {
    durationSec: 8.008, width: 1080, height: 1920, rotation: 90, fps: 29.97,
    videoCodec: 'h264', audioCodec: 'aac', container: 'mov', bitRate: 17000000,
  });
  const half = parseProbe({ streams: [stream({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: 180 }], sample_aspect_ratio: '4:3' })], format: { format_name: 'matroska,webm' } }, 'mkv');
  assert.ok(half.ok);
  assert.deepEqual([half.probe.facts.width, half.probe.facts.height, half.probe.facts.rotation, half.probe.facts.container], [2560, 1080, 180, 'matroska']);
});

test('ffprobe JSON: no video stream, cover art only, an unknown codec and no frame size are reasons', () => {
  const reason = (json: Parameters<typeof parseProbe>[0]) => {
    const r = parseProbe(json);
    assert.equal(r.ok, false);
    return (r as { reason: string }).reason;
  };
  assert.match(reason({ streams: [{ codec_type: 'audio', codec_name: 'aac' }] }), /no video stream/);
  assert.match(reason({ streams: [stream({ disposition: { attached_pic: 1 } })] }), /no video stream/);
  assert.match(reason({ streams: [stream({ codec_name: 'unknown', codec_tag_string: 'zzzz' })] }), /unknown video codec 'zzzz'/);
  assert.match(reason({ streams: [stream({ width: 0 })] }), /no frame size/);
  assert.match(reason({}), /no streams/);
});
