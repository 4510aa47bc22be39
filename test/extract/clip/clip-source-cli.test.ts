/**
 * Through the real CLI, the path most users take: scan first (no model yet: the clip stage waits), pull a model later.
 * The thumbnail stage keeps a clip source per photo for that model, and the clip stage embeds from those alone; a
 * scan told to leave CLIP out (--stages without clip, no model) keeps none.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { indexer } from '../../e2e/clip-cli.js';
import { colourLibrary, filesUnder, tinyModel224 } from '../../clip-helpers.js';

const photos = () => colourLibrary('clip-source-cli', 900, 600);

test('scan without a model, model later: the clip stage embeds from the clip sources alone, "red" finds the red photo', async () => {
  const t = await photos();
  const scan = await indexer([...t.args, 'scan', t.root, '--device', 'cpu'], t.env);
  assert.equal(scan.code, 0, scan.stderr);
  const sources = filesUnder(path.join(t.dir, 'cache', 'clip-sources'));
  assert.equal(sources.length, 4, sources.join(', '));
  for (const s of sources) assert.deepEqual(await sharp(s).metadata().then((m) => [m.width, m.height]), [336, 224]);

  // Only the sources remain to read: with the previews gone, every photo must still be embedded.
  fs.rmSync(path.join(t.dir, 'cache', 'previews'), { recursive: true });
  const clip = await indexer([...t.args, 'resume', '--model', tinyModel224, '--device', 'cpu', '--json'], t.env);
  assert.equal(clip.code, 0, clip.stderr);
  assert.equal(filesUnder(path.join(t.dir, 'cache', 'clip-sources')).length, 4, 'kept for the next model');
  const found = await indexer([...t.args, 'search', 'red', '--json'], t.env);
  assert.equal(found.code, 0, found.stderr);
  const ranked = JSON.parse(found.stdout) as { path: string }[];
  assert.equal(ranked.length, 4, 'all four embedded');
  assert.equal(ranked[0]!.path, path.join(t.root, 'red.jpg'));
});

test('a scan that leaves CLIP out, without a model, keeps no clip sources', async () => {
  const t = await photos();
  const scan = await indexer([...t.args, 'scan', t.root, '--stages', 'thumbnail,exif', '--device', 'cpu'], t.env);
  assert.equal(scan.code, 0, scan.stderr);
  assert.equal(filesUnder(path.join(t.dir, 'cache', 'previews')).length, 4);
  assert.deepEqual(filesUnder(path.join(t.dir, 'cache', 'clip-sources')), []);
});
