/**
 * Issue 13 item 4: a file that changes into something its stages cannot read (here: truncated) must not keep the
 * thumbnail and embedding of its old bytes: `info` shows none, `search` no longer returns it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { lastJson, sandbox } from './helpers.js';
import { tinyModel } from '../clip-helpers.js';

test('a changed file whose re-extraction fails loses its old thumbnail and embedding', { timeout: 120_000 }, async () => {
  const box = sandbox('indexer-stale-');
  const root = path.join(box.dir, 'photos');
  fs.mkdirSync(root, { recursive: true });
  const colours = { red: { r: 230, g: 20, b: 20 }, green: { r: 20, g: 200, b: 20 }, blue: { r: 20, g: 20, b: 230 } };
  for (const [name, background] of Object.entries(colours)) {
    // Noise makes the JPEG large enough that half of it is clearly truncated image data.
    const [w, h] = [640, 480];
    const pixels = Buffer.alloc(w * h * 3);
    const base = [background.r, background.g, background.b];
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, base[i % 3]! + Math.floor(Math.random() * 40) - 20));
    await sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(path.join(root, `${name}.jpg`));
  }
  const env = { INDEXER_MODEL: tinyModel };
  const run = (args: string[]) => box.run(args, { env });
  try {
    assert.equal((await run(['scan', root, '--device', 'cpu', '-q'])).code, 0);
    const before = JSON.parse((await run(['search', 'red', '--json', '--device', 'cpu'])).stdout) as { path: string }[];
    assert.equal(before.length, 3);
    const thumb = JSON.parse((await run(['info', path.join(root, 'red.jpg'), '--json'])).stdout).thumbnails.thumbPath as string;
    assert.ok(fs.existsSync(thumb));

    for (const name of ['red.jpg', 'blue.jpg']) {
      const file = path.join(root, name);
      fs.writeFileSync(file, fs.readFileSync(file).subarray(0, Math.floor(fs.statSync(file).size / 2)));
    }
    const rescan = await run(['scan', '--device', 'cpu', '--json']);
    assert.equal(rescan.code, 0, rescan.stderr);
    assert.equal(lastJson(rescan.stdout).extract.stages.thumbnail.failed, 2, 'the truncated files cannot be thumbnailed');

    const info = JSON.parse((await run(['info', path.join(root, 'red.jpg'), '--json'])).stdout);
    assert.equal(info.thumbnails, null, 'no thumbnail of the old bytes');
    assert.equal(fs.existsSync(thumb), false, 'its cache files are gone too');
    const after = JSON.parse((await run(['search', 'red', '--json', '--device', 'cpu'])).stdout) as { path: string }[];
    assert.deepEqual(after.map((h) => path.basename(h.path)), ['green.jpg'], 'search returns no stale embedding');
  } finally {
    box.cleanup();
  }
});
