/**
 * The model input the thumbnail stage cuts from its own decode when a CLIP model is configured, and the clip worker's
 * fast path that reads it instead of decoding the preview again: same tensor as the preview path (within the
 * preview's JPEG loss), only when the geometry matches, never trusted when damaged, removed once read, and purged.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeModelInput, encodeModelInput, geometryKey } from '../../../src/extract/clip/input-file.js';
import { run as clipRun } from '../../../src/extract/clip/worker.js';
import type { TaskInput } from '../../../src/extract/stage.js';
import { modelInputFiles, modelInputPath } from '../../../src/extract/thumbnail/paths.js';
import { thumbnailStage } from '../../../src/extract/thumbnail/stage.js';
import { run as thumbRun } from '../../../src/extract/thumbnail/work.js';
import type { PreprocessConfig } from '../../../src/models/model-dir.js';
import { modelWindow, planForWindow, planResize, toTensor, type ModelPixels } from '../../../src/models/preprocess.js';
import { catalogWithFile } from '../helpers.js';
import { clipCfg, tempDir, texturedPhoto, tinyModel } from '../../clip-helpers.js';
import { stageConfig } from '../../../src/extract/registry.js';

const geometryOf = (cfg: PreprocessConfig) => ({ width: cfg.width, height: cfg.height, resizeMode: cfg.resizeMode });

const photo = texturedPhoto;

function input(file: string, cacheDir: string, stage: string, options: Record<string, unknown>): TaskInput {
  return {
    taskId: 1, fileId: 1, stage, path: file, kind: 'image', ext: path.extname(file).slice(1), size: 1, mtimeMs: 0,
    identity: '0123abcd', sidecarPath: null, cacheDir, options,
  };
}

async function thumbnailWithModel(file: string, cacheDir: string, cfg: PreprocessConfig): Promise<string> {
  const outcome = await thumbRun(input(file, cacheDir, 'thumbnail', { previewSize: 640, modelInput: geometryOf(cfg) }));
  assert.equal(outcome.status, 'done', JSON.stringify(outcome));
  return modelInputPath(cacheDir, '0123abcd', geometryKey(cfg));
}

async function tensor(file: string, cacheDir: string, cfg: PreprocessConfig): Promise<Float32Array> {
  const outcome = await clipRun(input(file, cacheDir, 'clip', { preprocess: cfg }));
  assert.equal(outcome.status, 'done', JSON.stringify(outcome));
  // The worker hands over pixels; the batch normalises them as here.
  const [pixels] = (outcome as { value: ModelPixels[] }).value;
  return toTensor(pixels!.rgb, pixels!.plan, cfg);
}

/** Mean absolute difference, in 8-bit levels (the tensors are (v/255 - mean)/std, std about 0.27). */
function levelsApart(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return (sum / a.length) * 255 * 0.27;
}

for (const cfg of [clipCfg, { ...clipCfg, resizeMode: 'longest' as const }, { ...clipCfg, width: 192, height: 160 }]) {
  test(`fast path (${geometryKey(cfg)}): same tensor as decoding the preview, file removed once read`, async () => {
    const dir = tempDir('model-input');
    const file = await photo(dir);
    const cache = path.join(dir, 'cache');
    const made = await thumbnailWithModel(file, cache, cfg);
    assert.ok(fs.existsSync(made), 'the thumbnail stage wrote the model input');
    const fast = await tensor(file, cache, cfg);
    assert.equal(fs.existsSync(made), false, 'read once, then removed');
    const fromPreview = await tensor(file, cache, cfg); // no model input any more: decodes the preview
    assert.equal(fast.length, 3 * cfg.width * cfg.height);
    const apart = levelsApart(fast, fromPreview);
    assert.ok(apart < 1.5, `fast path differs from the preview path by ${apart.toFixed(2)} levels on average`);
    // Oriented the same way: the red ramp runs along the stored x axis, which orientation 6 turns top to bottom.
    const red = (t: Float32Array, y: number) => t[y * cfg.width + Math.floor(cfg.width / 2)]!;
    assert.ok(red(fast, cfg.height - 20) - red(fast, 20) > 1, 'red grows downwards in the upright picture');
  });
}

test('alpha is flattened on white, as in the preview', async () => {
  const dir = tempDir('model-input-alpha');
  const file = path.join(dir, 'half-transparent.png');
  await sharp({ create: { width: 300, height: 300, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0 } } }).png().toFile(file);
  const cache = path.join(dir, 'cache');
  await thumbnailWithModel(file, cache, clipCfg);
  const fast = await tensor(file, cache, clipCfg);
  const white = (1 - clipCfg.mean[0]) / clipCfg.std[0];
  assert.ok(Math.abs(fast[100 * 224 + 100]! - white) < 0.02, `transparent pixels are white, got ${fast[100 * 224 + 100]}`);
  assert.ok(levelsApart(fast, await tensor(file, cache, clipCfg)) < 0.5);
});

test('without a model the thumbnail stage writes no model input', async () => {
  const dir = tempDir('model-input-none');
  const file = await photo(dir, 400, 300);
  const cache = path.join(dir, 'cache');
  const outcome = await thumbRun(input(file, cache, 'thumbnail', {}));
  assert.equal(outcome.status, 'done');
  assert.equal(fs.existsSync(path.join(cache, 'clip-inputs')), false);
});

test('a model with another geometry, or a damaged file, falls back to the preview', async () => {
  const dir = tempDir('model-input-other');
  const file = await photo(dir, 400, 300);
  const cache = path.join(dir, 'cache');
  const made = await thumbnailWithModel(file, cache, clipCfg);
  // The tiny model's input is 32 px: it never reads the 224 px pixels, and leaves them for their own model.
  const small = { ...clipCfg, width: 32, height: 32 };
  assert.equal((await tensor(file, cache, small)).length, 3 * 32 * 32);
  assert.ok(fs.existsSync(made));
  // Damaged: cut short, or foreign bytes under the name. Either is ignored (and removed); the preview is used.
  const whole = fs.readFileSync(made);
  for (const damaged of [whole.subarray(0, whole.length - 1), Buffer.concat([Buffer.from('JUNK'), whole.subarray(4)])]) {
    fs.writeFileSync(made, damaged);
    const t = await tensor(file, cache, clipCfg);
    assert.equal(fs.existsSync(made), false);
    assert.equal(t.length, 3 * 224 * 224);
  }
});

test('decodeModelInput accepts only whole files that fit the geometry', () => {
  const data = new Uint8Array(4 * 3 * 3).fill(7);
  const bytes = encodeModelInput({ width: 4, height: 3, data });
  const g = { width: 4, height: 4, resizeMode: 'longest' as const };
  assert.deepEqual(decodeModelInput(bytes, g), { width: 4, height: 3, rgb: bytes.subarray(8) });
  assert.equal(decodeModelInput(bytes.subarray(0, bytes.length - 3), g), null, 'torn');
  assert.equal(decodeModelInput(Buffer.concat([bytes, Buffer.alloc(3)]), g), null, 'longer than its header says');
  assert.equal(decodeModelInput(bytes, { ...g, width: 3 }), null, 'wider than the model input');
  assert.equal(decodeModelInput(Buffer.from('IXM1'), g), null, 'header only');
});

test('the kept window rebuilds the same tensor as the whole resized image (every resize mode, square or not)', () => {
  const sizes = [[640, 480], [480, 640], [225, 224], [100, 40], [300, 299], [224, 224]] as const;
  const models = [clipCfg, { ...clipCfg, resizeMode: 'longest' as const }, { ...clipCfg, resizeMode: 'squash' as const }, { ...clipCfg, width: 64, height: 48 }, { ...clipCfg, width: 48, height: 64, fillColor: 128 }];
  for (const cfg of models) {
    for (const [w, h] of sizes) {
      const plan = planResize(w, h, cfg);
      const resized = new Uint8Array(plan.resizeWidth * plan.resizeHeight * 3).map((_, i) => (i * 2654435761) >>> 24);
      const win = modelWindow(w, h, cfg);
      const kept = new Uint8Array(win.width * win.height * 3);
      for (let y = 0; y < win.height; y++) {
        const from = ((y + win.top) * plan.resizeWidth + win.left) * 3;
        kept.set(resized.subarray(from, from + win.width * 3), y * win.width * 3);
      }
      assert.deepEqual(
        toTensor(kept, planForWindow(win.width, win.height, cfg), cfg),
        toTensor(resized, plan, cfg),
        `${w}x${h} into ${geometryKey(cfg)}`,
      );
    }
  }
});

test('the thumbnail stage asks for a model input only when a CLIP model is configured; purge and a new identity remove it', async () => {
  const dir = tempDir('model-input-stage');
  const cacheDir = path.join(dir, 'cache');
  const env = { XDG_DATA_HOME: path.join(dir, 'data') };
  assert.equal(thumbnailStage(stageConfig({ cacheDir, env, options: {} })).options().modelInput, null);
  const stage = thumbnailStage(stageConfig({ cacheDir, env, options: { model: tinyModel } }));
  assert.deepEqual(stage.options().modelInput, { width: 32, height: 32, resizeMode: 'shortest' });

  const file = await photo(dir, 400, 300);
  const made = await thumbnailWithModel(file, cacheDir, clipCfg);
  stage.purge!('0123abcd');
  assert.equal(fs.existsSync(made), false);
  assert.deepEqual(modelInputFiles(cacheDir, '0123abcd'), []);

  // Modified file: the old identity's renditions go, its model input with them.
  const { db, fileId } = catalogWithFile(file, '0123abcd');
  const first = await thumbRun({ ...input(file, cacheDir, 'thumbnail', stage.options()), fileId });
  assert.equal(first.status, 'done');
  stage.commit(db, { taskId: 1, fileId, identity: '0123abcd' }, (first as { value: unknown }).value);
  assert.equal(modelInputFiles(cacheDir, '0123abcd').length, 1);
  const second = await thumbRun({ ...input(file, cacheDir, 'thumbnail', stage.options()), fileId, identity: '4567ef01' });
  stage.commit(db, { taskId: 2, fileId, identity: '4567ef01' }, (second as { value: unknown }).value);
  assert.deepEqual(modelInputFiles(cacheDir, '0123abcd'), []);
  assert.equal(modelInputFiles(cacheDir, '4567ef01').length, 1);
  db.close();
});
