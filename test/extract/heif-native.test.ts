/**
 * HEIF through native libheif (Debian's, driven by the `vips` command) and through the libheif-js fallback: the same
 * colours on both paths (ICC and nclx Display P3 converted to sRGB), and 10-bit AVIF/HEIC decoded natively, or
 * failed with a reason that says 10-bit is unsupported where only the fallback is there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { describeHeifDecoder, heifDecoder } from '../../src/extract/heif-native.js';
import { run } from '../../src/extract/thumbnail/work.js';
import { done, media, taskInput, tempDir } from './helpers.js';

type Rgb = [number, number, number];
const native = heifDecoder().kind === 'native';
const skipNative = native ? false : "no native HEIF decoder here (Debian's libvips-tools)";
const has = (tool: string) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).error === undefined;

/** Centre colours of the four quadrants (red, green, blue, white in every picture used here). */
async function quadrants(file: string): Promise<Rgb[]> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return [
    [0.25, 0.25],
    [0.75, 0.25],
    [0.25, 0.75],
    [0.75, 0.75],
  ].map(([fx, fy]) => {
    const i = (Math.floor(info.height * fy!) * info.width + Math.floor(info.width * fx!)) * 3;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  });
}

const apart = (a: Rgb[], b: Rgb[]) => Math.max(...a.flatMap((c, q) => c.map((v, k) => Math.abs(v - b[q]![k]!))));

/** Runs f with INDEXER_HEIF_DECODER set to `which` ('default': unset). */
async function withDecoder<T>(which: 'native' | 'wasm' | 'default', f: () => Promise<T>): Promise<T> {
  const before = process.env.INDEXER_HEIF_DECODER;
  if (which === 'default') delete process.env.INDEXER_HEIF_DECODER;
  else process.env.INDEXER_HEIF_DECODER = which;
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env.INDEXER_HEIF_DECODER;
    else process.env.INDEXER_HEIF_DECODER = before;
  }
}

test('this machine says which HEIF decoder it uses', () => {
  const line = describeHeifDecoder(heifDecoder(), {});
  assert.match(line, native ? /^libheif-js .* first; native libheif through vips-\d.*10-bit AVIF/ : /^libheif-js \(libheif in WebAssembly\) only/);
  const wasm = { INDEXER_HEIF_DECODER: 'wasm' };
  assert.match(describeHeifDecoder(heifDecoder(wasm), wasm), /only; .*INDEXER_HEIF_DECODER=wasm/);
  if (native) {
    const first = { INDEXER_HEIF_DECODER: 'native' };
    assert.match(describeHeifDecoder(heifDecoder(first), first), /^native libheif .* first \(INDEXER_HEIF_DECODER=native\)/);
  }
});

test('P3 HEICs (ICC and nclx) come out in sRGB like the same JPEG on both decoders', { skip: skipNative }, async () => {
  const jpeg = await quadrants(done(await run(taskInput(media('p3.jpg')))).previewPath);
  for (const file of ['p3.heic', 'p3-nclx.heic']) {
    const previews: Rgb[][] = [];
    for (const which of ['native', 'wasm'] as const) {
      const out = await withDecoder(which, async () => done(await run(taskInput(media(file)))));
      for (const made of [out.previewPath, out.thumbPath]) {
        const got = await quadrants(made);
        assert.ok(apart(got, jpeg) <= 12, `${file} via ${which}: ${JSON.stringify(got)} vs p3.jpg ${JSON.stringify(jpeg)}`);
        assert.ok(got[1]![0] < 30 && got[1]![1] > 240, `${file} via ${which}: green is sRGB green, got ${got[1]}`);
      }
      previews.push(await quadrants(out.previewPath));
    }
    assert.ok(apart(previews[0]!, previews[1]!) <= 6, `${file}: native and libheif-js agree`);
  }
});

/** A 16-bit PNG of four coloured quadrants, and 10-bit HEIC and AVIF encodings of it (when the tools are here). */
const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function tenBit(): Promise<{ png: string; heic?: string; avif?: string }> {
  const dir = tempDir('ten-bit');
  dirs.push(dir);
  const [w, h] = [128, 96];
  const colours: Rgb[] = [
    [220, 30, 30],
    [30, 200, 40],
    [30, 40, 210],
    [250, 250, 250],
  ];
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(colours[(y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1)]!, (y * w + x) * 3);
  const png = path.join(dir, 'q16.png');
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).toColourspace('rgb16').png().toFile(png);
  const heic = path.join(dir, 'ten.heic');
  const avif = path.join(dir, 'ten.avif');
  // heif-enc makes 10-bit from 16-bit input; Debian's libaom asserts on that path, so ffmpeg makes the AVIF.
  const madeHeic = spawnSync('heif-enc', [png, '-o', heic], { stdio: 'ignore' }).status === 0;
  const ff = ['-loglevel', 'error', '-y', '-i', png, '-c:v', 'libaom-av1', '-pix_fmt', 'yuv420p10le', '-still-picture', '1', '-cpu-used', '8', avif];
  const madeAvif = has('ffmpeg') && spawnSync('ffmpeg', ff, { stdio: 'ignore' }).status === 0;
  return { png, ...(madeHeic && { heic }), ...(madeAvif && { avif }) };
}

test('10-bit AVIF and HEIC decode through native libheif with their colours (AVIF by default: sharp refuses it)', { skip: skipNative }, async () => {
  const files = await tenBit();
  assert.ok(files.heic && files.avif, 'heif-enc and ffmpeg made the 10-bit files (Debian libheif-examples, ffmpeg)');
  const expected = await quadrants(files.png);
  for (const file of [files.heic, files.avif]) {
    assert.equal((await sharp(file).metadata()).bitsPerSample, 10, `${file} is 10-bit`);
    // HEIC: libheif-js would read this one too; the native decoder is put first to check its pixels.
    const out = await withDecoder('native', async () => done(await run(taskInput(file))));
    assert.equal(out.width, 128);
    const got = await quadrants(out.previewPath);
    assert.ok(apart(got, expected) <= 16, `${path.basename(file)}: ${JSON.stringify(got)} vs ${JSON.stringify(expected)}`);
  }
  // With no variable set, the 10-bit AVIF still decodes: sharp refuses it, the native decoder reads it.
  const plain = await withDecoder('default', async () => done(await run(taskInput(files.avif!))));
  assert.ok(apart(await quadrants(plain.previewPath), expected) <= 16);
});

test('without the native decoder a 10-bit AVIF fails with a reason that says 10-bit is unsupported', async () => {
  const files = await tenBit();
  if (!files.avif) return;
  const outcome = await withDecoder('wasm', () => run(taskInput(files.avif!)));
  assert.equal(outcome.status, 'failed');
  assert.match((outcome as { reason: string }).reason, /ten\.avif: .*10-bit HEIF\/AVIF is unsupported by this machine's decoders/);
});

test('10-bit HEIC decodes through the WebAssembly decoder too, with its colours', { skip: has('heif-enc') ? false : "no heif-enc (Debian's libheif-examples)" }, async () => {
  const files = await tenBit();
  assert.ok(files.heic, 'heif-enc made the 10-bit HEIC');
  const out = await withDecoder('wasm', async () => done(await run(taskInput(files.heic!))));
  assert.equal(out.width, 128);
  assert.ok(apart(await quadrants(out.previewPath), await quadrants(files.png)) <= 16);
});

test('a HEIC with an alpha plane keeps its transparency on the WebAssembly path; one without has none', { skip: has('heif-enc') ? false : "no heif-enc (Debian's libheif-examples)" }, async () => {
  const dir = tempDir('heic-alpha');
  dirs.push(dir);
  // 40x40, half-transparent red where the thumbnail test reads it (fixtures/media/alpha.png).
  const withAlpha = path.join(dir, 'alpha.heic');
  assert.equal(spawnSync('heif-enc', [media('alpha.png'), '-o', withAlpha], { stdio: 'ignore' }).status, 0);
  const out = await withDecoder('wasm', async () => done(await run(taskInput(withAlpha))));
  const { data, info } = await sharp(out.thumbPath).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const alpha = data[(Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * 4 + 3]!;
  assert.ok(alpha > 30 && alpha < 100, `alpha ${alpha} at the centre of the thumbnail`);
  const opaque = await withDecoder('wasm', async () => done(await run(taskInput(media('p3.heic')))));
  assert.equal((await sharp(opaque.thumbPath).metadata()).hasAlpha, false, 'no alpha channel invented for an opaque HEIC');
});
