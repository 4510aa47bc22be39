import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ClipModel } from '../../src/models/clip-model.js';
import { loadFileFor, type LoadCopyOptions } from '../../src/models/load-copy.js';
import { loadModelInfo } from '../../src/models/model-dir.js';
import { ModelSession } from '../../src/models/onnx.js';
import { moveWeightsOut } from '../../src/models/onnx-weights.js';
import { tempDir, tinyModel } from '../clip-helpers.js';

const visual = path.join(tinyModel, 'visual/model.onnx');
/** The tiny model's weights are a few bytes: every tensor counts as large here. */
const everything = { minFileBytes: 0, minTensorBytes: 1 };

function input(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n * 3 * 32 * 32 }, (_, i) => (((i + seed) * 2654435761) % 1000) / 500 - 1);
}

/** A private copy of the tiny model's image encoder, so a test may change or damage it. */
function ownModel(): string {
  const dir = tempDir('load-copy-model');
  const file = path.join(dir, 'model.onnx');
  fs.copyFileSync(visual, file);
  return file;
}

async function outputs(file: string, loadCopies?: LoadCopyOptions): Promise<number[]> {
  const session = await ModelSession.open(file, { device: 'cpu', warn: () => {}, ...(loadCopies ? { loadCopies } : {}) });
  try {
    return [...(await session.run({ type: 'float32', data: input(2, 3) }, [2, 3, 32, 32])).data];
  } finally {
    await session.release();
  }
}

test('a load copy keeps the weights beside a small graph, is made once, and gives exactly the model\'s outputs', async () => {
  const model = ownModel();
  const home = tempDir('load-copy-home');
  const copy = loadFileFor(model, { home, ...everything });
  assert.notEqual(copy, model);
  assert.ok(copy.startsWith(home + path.sep), copy);
  const weights = copy.replace(/\.onnx$/, '.weights');
  // The initializers' bytes moved out (the tiny model's 92, each tensor on a 64-byte boundary).
  assert.ok(fs.statSync(weights).size >= 92, `weights file of ${fs.statSync(weights).size} bytes`);
  assert.deepEqual(await outputs(model, { home, ...everything }), await outputs(model));
  // Found again, not made again.
  const made = fs.statSync(copy).mtimeMs;
  assert.equal(loadFileFor(model, { home, ...everything }), copy);
  assert.equal(fs.statSync(copy).mtimeMs, made);
  assert.deepEqual(fs.readdirSync(path.dirname(copy)).sort(), [path.basename(copy), path.basename(weights)].sort());
});

test('a model file that changes gets a new copy, and the old one is removed', async () => {
  const model = ownModel();
  const home = tempDir('load-copy-home');
  const first = loadFileFor(model, { home, ...everything });
  // Another version of the file (the tiny textual encoder stands in for a re-export).
  fs.copyFileSync(path.join(tinyModel, 'textual/model.onnx'), model);
  fs.utimesSync(model, new Date(), new Date(Date.now() + 5000));
  const second = loadFileFor(model, { home, ...everything });
  assert.notEqual(second, first);
  assert.equal(path.dirname(second), path.dirname(first));
  assert.ok(!fs.existsSync(first), 'the copy of the old version is still there');
  assert.equal(fs.readdirSync(path.dirname(second)).length, 2);
});

test('models that cannot or need not be rewritten are opened as they are, and nothing half-made is left', async () => {
  const home = path.join(tempDir('load-copy-home'), 'copies');
  // Small files: not worth a copy (the default threshold is megabytes).
  assert.equal(loadFileFor(visual, { home }), visual);
  assert.ok(!fs.existsSync(home), 'a copy was started for a small model');
  // Not an ONNX model at all: ORT will say so about the file itself.
  const garbage = path.join(tempDir('load-copy-model'), 'model.onnx');
  fs.writeFileSync(garbage, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x7f, 0x01, 0x02]));
  assert.equal(loadFileFor(garbage, { home, ...everything }), garbage);
  for (const dir of fs.existsSync(home) ? fs.readdirSync(home) : []) assert.deepEqual(fs.readdirSync(path.join(home, dir)), []);
  // Weights already outside (here: a model made by the rewrite itself): its paths point beside it, so it is used as is.
  const outside = tempDir('load-copy-model');
  moveWeightsOut(visual, path.join(outside, 'model.onnx'), path.join(outside, 'w.bin'), 'w.bin', 1);
  assert.equal(loadFileFor(path.join(outside, 'model.onnx'), { home, ...everything }), path.join(outside, 'model.onnx'));
  assert.deepEqual(await outputs(path.join(outside, 'model.onnx'), { home, ...everything }), await outputs(visual));
  // A home that cannot be written (a file stands where its folder would be).
  const blocked = path.join(tempDir('load-copy-home'), 'home');
  fs.writeFileSync(blocked, 'not a folder');
  assert.equal(loadFileFor(visual, { home: blocked, ...everything }), visual);
});

test('a load copy ONNX Runtime refuses is dropped: the model opens from its own file, now and on later runs', async () => {
  const model = ownModel();
  const home = tempDir('load-copy-home');
  const copy = loadFileFor(model, { home, ...everything });
  // Damaged after it was made (a disk error, someone's cleanup): the weights are shorter than the graph says.
  fs.truncateSync(copy.replace(/\.onnx$/, '.weights'), 3);
  assert.deepEqual(await outputs(model, { home, ...everything }), await outputs(model));
  assert.ok(!fs.existsSync(copy), 'the refused copy is still there');
  assert.equal(loadFileFor(model, { home, ...everything }), model);
});

test('ClipModel given a place for load copies embeds images and text exactly as without', async () => {
  const info = loadModelInfo(tinyModel);
  const home = tempDir('load-copy-home');
  const withCopies = new ClipModel(info, { device: 'cpu', warn: () => {}, loadCopies: { home, ...everything }, visualOffThread: true });
  const plain = new ClipModel(info, { device: 'cpu', warn: () => {} });
  try {
    const tensors = [input(1, 5), input(1, 9)];
    assert.deepEqual((await withCopies.encodeImages(tensors)).map((v) => [...v]), (await plain.encodeImages(tensors)).map((v) => [...v]));
    assert.deepEqual([...(await withCopies.encodeText('a red square'))], [...(await plain.encodeText('a red square'))]);
    // Both encoders were opened from their copies (the text encoder's integer shapes and axes stay in its graph,
    // where ONNX Runtime's shape inference can read them; moved out, it refused the copy).
    const dirs = fs.readdirSync(home);
    assert.equal(dirs.length, 2);
    for (const dir of dirs) assert.deepEqual(fs.readdirSync(path.join(home, dir)).map((n) => path.extname(n)).sort(), ['.onnx', '.weights']);
  } finally {
    await withCopies.release();
    await plain.release();
  }
});
