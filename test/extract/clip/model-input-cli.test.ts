/**
 * Through the real CLI: with a model configured, the thumbnail stage leaves one model input per photo; the clip stage
 * reads them all (none left behind in the cache) and its embeddings still rank the red photo first for "red".
 * Without a model, the thumbnail stage writes none.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { indexer } from '../../e2e/clip-cli.js';
import { colourLibrary, filesUnder, tinyModel } from '../../clip-helpers.js';

const namesUnder = (dir: string) => filesUnder(dir).map((f) => path.basename(f));

const photos = () => colourLibrary('model-input-cli', 300, 200);

test('scan --model: thumbnails leave the model inputs, the clip stage consumes every one, "red" finds the red photo', async () => {
  const t = await photos();
  const thumbs = await indexer([...t.args, 'scan', t.root, '--stages', 'thumbnail', '--model', tinyModel, '--device', 'cpu'], t.env);
  assert.equal(thumbs.code, 0, thumbs.stderr);
  const inputs = namesUnder(path.join(t.dir, 'cache', 'clip-inputs'));
  assert.equal(inputs.length, 4, inputs.join(', '));
  assert.ok(inputs.every((n) => n.endsWith('.shortest-32x32.rgb')), inputs.join(', '));

  // The model given to the scan is remembered: the clip stage uses it without --model.
  const clip = await indexer([...t.args, 'resume', '--stages', 'clip', '--device', 'cpu'], t.env);
  assert.equal(clip.code, 0, clip.stderr);
  assert.deepEqual(namesUnder(path.join(t.dir, 'cache', 'clip-inputs')), []);
  const found = await indexer([...t.args, 'search', 'red', '--json'], t.env);
  assert.equal(found.code, 0, found.stderr);
  const ranked = JSON.parse(found.stdout) as { path: string }[];
  assert.equal(ranked.length, 4);
  assert.equal(ranked[0]!.path, path.join(t.root, 'red.jpg'));
});

test('scan without a model writes no model inputs', async () => {
  const t = await photos();
  const scan = await indexer([...t.args, 'scan', t.root, '--device', 'cpu'], t.env);
  assert.equal(scan.code, 0, scan.stderr);
  assert.equal(namesUnder(path.join(t.dir, 'cache', 'previews')).length, 4);
  assert.deepEqual(namesUnder(path.join(t.dir, 'cache', 'clip-inputs')), []);
});

test('a preview in another format (--preview-format webp) still feeds the clip stage when no model input is left', async () => {
  const t = await photos();
  // No model at thumbnail time: the clip stage must decode the WebP previews.
  const thumbs = await indexer([...t.args, 'scan', t.root, '--stages', 'thumbnail', '--preview-format', 'webp'], t.env);
  assert.equal(thumbs.code, 0, thumbs.stderr);
  assert.ok(namesUnder(path.join(t.dir, 'cache', 'previews')).every((n) => n.endsWith('.webp')));
  const clip = await indexer([...t.args, 'resume', '--stages', 'clip', '--model', tinyModel, '--device', 'cpu'], t.env);
  assert.equal(clip.code, 0, clip.stderr);
  const found = await indexer([...t.args, 'search', 'red', '--json'], t.env);
  assert.equal(found.code, 0, found.stderr);
  const ranked = JSON.parse(found.stdout) as { path: string }[];
  assert.equal(ranked.length, 4, 'every photo embedded');
  assert.equal(ranked[0]!.path, path.join(t.root, 'red.jpg'));
});
