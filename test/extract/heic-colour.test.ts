/**
 * HEIC thumbnails honour the photo's colour profile: the decoder hands back the stored (Display P3) values, and the
 * thumbnail stage converts them to sRGB as sharp converts a JPEG carrying the same profile. The fixtures hold the
 * picture of p3.jpg (red, green, blue and white quadrants) as P3 values; read as if they were sRGB, its green would
 * be about (117, 251, 76) instead of (0, 255, 0). AVIF, which sharp decodes itself, is checked for the case sharp
 * misses (P3 stated by nclx alone) and the one it handles (an embedded ICC profile, which must not convert twice).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeModelInput, geometryKey } from '../../src/extract/clip/input-file.js';
import { renderPixels, type RenderRequest } from '../../src/extract/image-io.js';
import { modelInputPath } from '../../src/extract/thumbnail/paths.js';
import { run } from '../../src/extract/thumbnail/work.js';
import { done, media, taskInput, tempDir } from './helpers.js';

type Rgb = [number, number, number];

/** Quadrant centres as fractions of the picture: red, green, blue, white. */
const SPOTS: [string, number, number][] = [
  ['red', 0.25, 0.25],
  ['green', 0.75, 0.25],
  ['blue', 0.25, 0.75],
  ['white', 0.75, 0.75],
];

async function colours(file: string | Buffer): Promise<Rgb[]> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return SPOTS.map(([, fx, fy]) => {
    const i = (Math.floor(info.height * fy) * info.width + Math.floor(info.width * fx)) * 3;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  });
}

/** Largest channel difference over the four quadrants. */
function apart(a: Rgb[], b: Rgb[]): number {
  return Math.max(...a.flatMap((c, q) => c.map((v, k) => Math.abs(v - b[q]![k]!))));
}

test('a HEIC with an embedded Display P3 profile, or P3 stated by nclx, comes out in sRGB like the same JPEG', async () => {
  const jpeg = done(await run(taskInput(media('p3.jpg'))));
  for (const file of ['p3.heic', 'p3-nclx.heic']) {
    const heic = done(await run(taskInput(media(file))));
    for (const [which, out, reference] of [
      ['preview', heic.previewPath, jpeg.previewPath],
      ['thumbnail', heic.thumbPath, jpeg.thumbPath],
    ] as const) {
      const got = await colours(out);
      // HEVC and JPEG losses differ by a few levels; an ignored profile is off by 117 in green's red channel.
      assert.ok(apart(got, await colours(reference)) <= 12, `${file} ${which}: ${JSON.stringify(got)}`);
      assert.ok(got[1]![0] < 30 && got[1]![1] > 240, `${file} ${which}: green is sRGB green, got ${got[1]}`);
    }
  }
});

test('an AVIF stating Display P3 by nclx alone is converted; one embedding a P3 profile is converted once', async () => {
  const jpeg = await colours(done(await run(taskInput(media('p3.jpg')))).previewPath);
  const withIcc = path.join(tempDir('avif'), 'p3-icc.avif');
  await sharp(media('p3.jpg')).withIccProfile('p3').avif({ quality: 90 }).toFile(withIcc);
  for (const file of [media('p3-nclx.avif'), withIcc]) {
    const got = await colours(done(await run(taskInput(file))).previewPath);
    assert.ok(apart(got, jpeg) <= 12, `${file}: ${JSON.stringify(got)} vs p3.jpg ${JSON.stringify(jpeg)}`);
  }
});

test('the CLIP model input cut from a P3 HEIC decode is converted too', async () => {
  const geometry = { width: 32, height: 32, resizeMode: 'squash' as const };
  const input = taskInput(media('p3.heic'), { options: { modelInput: geometry } });
  done(await run(input));
  const { readFile } = await import('node:fs/promises');
  const pixels = decodeModelInput(await readFile(modelInputPath(input.cacheDir, input.identity, geometryKey(geometry))), geometry);
  assert.ok(pixels, 'model input written');
  const green = (8 * pixels.width + 24) * 3; // centre of the top-right quadrant
  const rgb = [...pixels.rgb.subarray(green, green + 3)];
  assert.ok(rgb[0]! < 30 && rgb[1]! > 240, `green is sRGB green in the model input, got ${rgb}`);
});

test('renderPixels converts raw pixels from the given profile, and leaves them as they are without one', async () => {
  // sRGB green as Display P3 stores it, as a decoder would hand it over.
  const width = 64, height = 48;
  const tagged = await sharp({ create: { width, height, channels: 3, background: '#00ff00' } }).withIccProfile('p3').png().toBuffer();
  const stored = await sharp(tagged, { ignoreIcc: true }).ensureAlpha().raw().toBuffer();
  const icc = (await sharp(tagged).metadata()).icc!;
  const req: RenderRequest = { thumbSize: 16, thumbFormat: 'png', previewSize: 32, previewFormat: 'png', pixelLimit: 1e8, orient: 'none' };
  const pixels = { data: new Uint8Array(stored), width, height };
  const centre = async (png: Buffer) => (await colours(png))[0]!; // every spot is the same colour here
  const asIs = await centre((await renderPixels(pixels, req)).preview);
  assert.ok(Math.abs(asIs[0] - 117) <= 3, `without a profile the stored P3 values stay: ${asIs}`);
  for (const profile of [icc, 'p3'] as const) {
    const rendered = await renderPixels(pixels, req, profile);
    const [r, g, b] = await centre(rendered.preview);
    assert.ok(r <= 4 && g >= 251 && b <= 4, `converted from ${profile === 'p3' ? "'p3'" : 'the ICC bytes'}: ${[r, g, b]}`);
    assert.deepEqual([(await sharp(rendered.preview).metadata()).width, (await sharp(rendered.thumb).metadata()).width], [32, 16]);
  }
});
