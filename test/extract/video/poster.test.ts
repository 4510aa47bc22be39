/** Where posters and CLIP frames are taken, and which frames are refused as posters. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipFrameTimes, fitInside, isBlankFrame, posterTimes } from '../../../src/extract/video/poster.js';
import { childTimeoutMs } from '../../../src/extract/video/options.js';

test('poster times: inside the clip (not frame 0), growing with the duration up to 10 s; first frame under a second', () => {
  assert.deepEqual(posterTimes(8), [1.6, 3.2, 4.8, 6.4]);
  assert.deepEqual(posterTimes(2), [0.5, 0.8, 1.2, 1.6]);
  assert.equal(posterTimes(600)[0], 10);
  assert.deepEqual(posterTimes(0.6), [0]);
  assert.deepEqual(posterTimes(null), [1, 0]);
});

test('CLIP frames are spread evenly over the clip, none for sub-second clips', () => {
  assert.deepEqual(clipFrameTimes(8, 4), [1, 3, 5, 7]);
  assert.deepEqual(clipFrameTimes(0.5, 4), []);
  assert.deepEqual(clipFrameTimes(8, 0), []);
});

const frame = (fill: (i: number) => number, width = 64, height = 36) => {
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const v = fill(p);
    data.set([v, v, v, 255], p * 4);
  }
  return { data, width, height };
};

test('black and flat frames are rejected as posters; a picture with detail is not', () => {
  assert.equal(isBlankFrame(frame(() => 3)), true, 'black');
  assert.equal(isBlankFrame(frame(() => 128)), true, 'one grey');
  assert.equal(isBlankFrame(frame((p) => (p % 64) * 4)), false, 'a gradient');
  assert.equal(isBlankFrame(frame((p) => (p % 7 === 0 ? 40 : 8))), true, 'dark noise');
});

test('sizes fit the preview box without enlarging; children get a little less than --task-timeout', () => {
  assert.deepEqual(fitInside(1920, 1080, 1440), { width: 1440, height: 810 });
  assert.deepEqual(fitInside(160, 120, 1440), { width: 160, height: 120 });
  assert.equal(childTimeoutMs(0), 0);
  assert.equal(childTimeoutMs(300_000), 270_000);
  assert.equal(childTimeoutMs(10_000), 5_000);
  assert.equal(childTimeoutMs(2_000), 1_000);
});
