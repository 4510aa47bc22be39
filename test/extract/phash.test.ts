/** The thumbnail stage's perceptual hash: from the upright pixels, stable across encodings, apart for different pictures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../src/extract/thumbnail/work.js';
import { perceptualHash } from '../../src/extract/thumbnail/phash.js';
import { distance, hashArray } from '../../src/duplicates/hashes.js';
import path from 'node:path';
import sharp from 'sharp';
import { done, media, taskInput, tempDir } from './helpers.js';
import { syntheticPhoto } from '../duplicates/synthetic.js';

const bits = (a: string, b: string) => distance(hashArray([a, b]), 0, 1);

test('a picture stored turned, with the EXIF orientation that turns it back, hashes like the upright one', async () => {
  const dir = tempDir('phash');
  const upright = path.join(dir, 'upright.jpg');
  await syntheticPhoto(upright, 7, 400, 300);
  const reference = done(await run(taskInput(upright))).phash;
  // Orientation 3: stored upside down; 6: stored a quarter turn counter-clockwise; 8: a quarter turn clockwise.
  for (const [orientation, storedTurn] of [[3, 180], [6, 270], [8, 90]] as const) {
    const file = path.join(dir, `o${orientation}.jpg`);
    await sharp(upright).rotate(storedTurn).jpeg({ quality: 90 }).withMetadata({ orientation }).toFile(file);
    const h = done(await run(taskInput(file))).phash;
    assert.ok(bits(h, reference) <= 2, `orientation ${orientation}: ${h} vs ${reference}`);
  }
  // Without the orientation applied, the sideways pixels would hash far away: the test can tell.
  const sideways = path.join(dir, 'sideways.jpg');
  await sharp(upright).rotate(90).jpeg({ quality: 90 }).toFile(sideways);
  assert.ok(bits(done(await run(taskInput(sideways))).phash, reference) > 16);
});

test('different pictures get hashes far apart', async () => {
  const files = [media('gps.jpg'), media('cmyk.jpg'), media('p3.jpg'), media('alpha.png'), media('16bit.png')];
  const hashes = [];
  for (const f of files) hashes.push(done(await run(taskInput(f))).phash);
  assert.equal(new Set(hashes).size, files.length, hashes.join(' '));
});

test('the hash is 64 bits, balanced around the median, and ignores a uniform brightness shift', () => {
  const width = 64;
  const height = 48;
  const picture = (offset: number) => {
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = 100 + 60 * Math.sin(x / 7) * Math.cos(y / 5) + 20 * Math.sin((x + y) / 3) + offset;
        data.set([v, v * 0.9, v * 0.8, 255], (y * width + x) * 4);
      }
    }
    return { width, height, data };
  };
  const h = perceptualHash(picture(0));
  assert.match(h, /^[0-9a-f]{16}$/);
  assert.equal(bits(h, '0000000000000000'), 32);
  assert.equal(perceptualHash(picture(20)), h);
});
