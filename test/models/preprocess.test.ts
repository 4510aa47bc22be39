import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { imageToTensor } from '../../src/extract/image-tensor.js';
import { planResize, roundHalfEven, toTensor } from '../../src/models/preprocess.js';
import { clipCfg, solidImage, tempDir } from '../clip-helpers.js';

/** (v/255 - mean) / std, written out by hand for the three channels. */
const norm = (v: number, c: 0 | 1 | 2) => (v / 255 - clipCfg.mean[c]) / clipCfg.std[c];

test('roundHalfEven matches Python round()', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 0, 2, 3]);
});

test('shortest: short side to 224, long side truncated, centred crop (hand-computed)', () => {
  // 640x480: 224 * 640 / 480 = 298.67 -> 298; (298 - 224) / 2 = 37.
  assert.deepEqual(planResize(640, 480, clipCfg), { resizeWidth: 298, resizeHeight: 224, left: 37, top: 0 });
  assert.deepEqual(planResize(480, 640, clipCfg), { resizeWidth: 224, resizeHeight: 298, left: 0, top: 37 });
  // 4000x3000 -> 298x224 as well; 225x224 -> left (1/2) rounds to even 0; 227 -> 1.5 rounds to 2.
  assert.deepEqual(planResize(4000, 3000, clipCfg), { resizeWidth: 298, resizeHeight: 224, left: 37, top: 0 });
  assert.equal(planResize(225, 224, clipCfg).left, 0);
  assert.equal(planResize(227, 224, clipCfg).left, 2);
});

test('squash and longest', () => {
  assert.deepEqual(planResize(640, 480, { ...clipCfg, resizeMode: 'squash' }), { resizeWidth: 224, resizeHeight: 224, left: 0, top: 0 });
  // 640x480 -> 224x168; the window starts 28 rows above the image (padding).
  assert.deepEqual(planResize(640, 480, { ...clipCfg, resizeMode: 'longest' }), { resizeWidth: 224, resizeHeight: 168, left: 0, top: -28 });
});

test('toTensor normalises into CHW with the hand-computed values, and pads with fill_color', () => {
  const cfg = { ...clipCfg, width: 2, height: 2 };
  // A 3x2 image: red, grey(128), blue / white, black, green; window = columns 1..2.
  const rgb = Uint8Array.from([255, 0, 0, 128, 128, 128, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255, 0]);
  const t = toTensor(rgb, { resizeWidth: 3, resizeHeight: 2, left: 1, top: 0 }, cfg);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
  // Red channel plane: grey, blue, black, green.
  close(t[0]!, norm(128, 0));
  close(t[1]!, norm(0, 0));
  close(t[2]!, norm(0, 0));
  close(t[3]!, norm(0, 0));
  // Green plane at the green pixel, blue plane at the blue pixel.
  close(t[4 + 3]!, norm(255, 1));
  close(t[8 + 1]!, norm(255, 2));
  // Literal numbers for pure red so the formula itself is checked too.
  const red = toTensor(Uint8Array.from([255, 0, 0]), { resizeWidth: 1, resizeHeight: 1, left: 0, top: 0 }, { ...cfg, width: 1, height: 1 });
  close(red[0]!, 1.9303361);
  close(red[1]!, -1.7520971);
  close(red[2]!, -1.4802197);
  // Padding: a window one row taller than the image takes fill_color (0) there.
  const padded = toTensor(Uint8Array.from([255, 255, 255]), { resizeWidth: 1, resizeHeight: 1, left: 0, top: -1 }, { ...cfg, width: 1, height: 2 });
  close(padded[0]!, norm(0, 0));
  close(padded[1]!, norm(255, 0));
});

test('toTensor: every placement of the image in the window (crop, padding on either side, both), at an offset in a batch', () => {
  // The straightforward per-pixel formula, as toTensor computed it before its lookup table: same float32 values.
  const reference = (rgb: Uint8Array, plan: { resizeWidth: number; resizeHeight: number; left: number; top: number }, cfg: typeof clipCfg) => {
    const t = new Float32Array(3 * cfg.width * cfg.height);
    const scale = cfg.std.map((s) => 1 / (255 * s));
    const offset = cfg.mean.map((m, c) => m / cfg.std[c]!);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < cfg.height; y++)
        for (let x = 0; x < cfg.width; x++) {
          const sx = x + plan.left;
          const sy = y + plan.top;
          const inside = sx >= 0 && sx < plan.resizeWidth && sy >= 0 && sy < plan.resizeHeight;
          const v = inside ? rgb[(sy * plan.resizeWidth + sx) * 3 + c]! : cfg.fillColor;
          t[c * cfg.width * cfg.height + y * cfg.width + x] = v * scale[c]! - offset[c]!;
        }
    return t;
  };
  const cfg = { ...clipCfg, width: 6, height: 5, fillColor: 17 };
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
  const per = 3 * cfg.width * cfg.height;
  for (const [w, h] of [[9, 5], [6, 8], [4, 3], [6, 5], [1, 1], [10, 2]] as const) {
    const rgb = Uint8Array.from({ length: w * h * 3 }, random);
    for (const left of [-3, -1, 0, 1, 3]) {
      for (const top of [-2, 0, 2]) {
        const plan = { resizeWidth: w, resizeHeight: h, left, top };
        const batch = new Float32Array(3 * per).fill(Number.NaN);
        toTensor(rgb, plan, cfg, batch, per);
        assert.deepEqual(batch.subarray(per, 2 * per), reference(rgb, plan, cfg), `${w}x${h} at ${left},${top}`);
        assert.ok(batch.subarray(0, per).every(Number.isNaN) && batch.subarray(2 * per).every(Number.isNaN), 'nothing written outside its place');
      }
    }
  }
});

test('imageToTensor: exact colours from a lossless image, crop taken from the centre', async () => {
  const dir = tempDir('pre');
  const cfg = { ...clipCfg, width: 32, height: 32 };
  const red = await imageToTensor(await solidImage(path.join(dir, 'red.png'), [255, 0, 0], 80, 40), cfg);
  assert.equal(red.length, 3 * 32 * 32);
  for (const i of [0, 500, 1023]) {
    assert.ok(Math.abs(red[i]! - norm(255, 0)) < 1e-5);
    assert.ok(Math.abs(red[1024 + i]! - norm(0, 1)) < 1e-5);
  }
  // 128x32, left quarter green, then red to 3/4, then blue: the centre 32x32 crop is all red after resampling
  // 128x32 -> 128x32 (short side already 32): columns 48..79.
  const stripes = path.join(dir, 'stripes.png');
  const raw = Buffer.alloc(128 * 32 * 3);
  for (let y = 0; y < 32; y++)
    for (let x = 0; x < 128; x++) {
      const o = (y * 128 + x) * 3;
      if (x < 32) raw[o + 1] = 255;
      else if (x < 96) raw[o] = 255;
      else raw[o + 2] = 255;
    }
  await sharp(raw, { raw: { width: 128, height: 32, channels: 3 } }).png().toFile(stripes);
  const t = await imageToTensor(stripes, cfg);
  for (let x = 0; x < 32; x++) assert.ok(Math.abs(t[5 * 32 + x]! - norm(255, 0)) < 1e-5, `column ${x} should be red`);
});

test('imageToTensor applies EXIF orientation before cropping', async () => {
  const dir = tempDir('orient');
  const cfg = { ...clipCfg, width: 32, height: 32 };
  // Stored 64x32, left half red, right half blue; orientation 6 shows it turned 90° clockwise: red on top.
  const raw = Buffer.alloc(64 * 32 * 3);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 64; x++) raw[(y * 64 + x) * 3 + (x < 32 ? 0 : 2)] = 255;
  const file = path.join(dir, 'rot.jpg');
  await sharp(raw, { raw: { width: 64, height: 32, channels: 3 } }).withMetadata({ orientation: 6 }).jpeg({ quality: 100 }).toFile(file);
  const t = await imageToTensor(file, cfg);
  // Upright 32x64 -> crop rows 16..47: the top half of the window is red, the bottom half blue.
  const at = (c: number, x: number, y: number) => t[c * 1024 + y * 32 + x]!;
  assert.ok(at(0, 16, 2) > 1.5 && at(2, 16, 2) < -1, 'top is red');
  assert.ok(at(2, 16, 29) > 1.5 && at(0, 16, 29) < -1, 'bottom is blue');
});
