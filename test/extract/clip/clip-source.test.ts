/**
 * The clip source: the small JPEG the thumbnail stage keeps for a CLIP model that comes later (pulled after the scan,
 * or a switch of model). Made with or without a model, used only by a model that takes it as it is, close to the
 * model input cut at thumbnail time, never trusted when damaged, kept after use, and removed with the photo's
 * renditions.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { geometryKey } from '../../../src/extract/clip/input-file.js';
import { clipSourceSize } from '../../../src/extract/clip/source-file.js';
import { run as clipRun } from '../../../src/extract/clip/worker.js';
import { renderPixels, type RenderRequest } from '../../../src/extract/image-io.js';
import { stageConfig } from '../../../src/extract/registry.js';
import type { StageOutcome, TaskInput } from '../../../src/extract/stage.js';
import { clipSourcePath, modelInputPath, previewPath } from '../../../src/extract/thumbnail/paths.js';
import { thumbnailStage } from '../../../src/extract/thumbnail/stage.js';
import { run as thumbRun } from '../../../src/extract/thumbnail/work.js';
import type { PreprocessConfig } from '../../../src/models/model-dir.js';
import { modelWindow, toTensor, type ModelPixels } from '../../../src/models/preprocess.js';
import { clipCfg, tempDir, texturedPhoto, tinyModel } from '../../clip-helpers.js';
import { catalogWithFile } from '../helpers.js';

const identity = '0123abcd';

const photo = texturedPhoto;

function input(file: string, cacheDir: string, stage: string, options: Record<string, unknown>): TaskInput {
  return {
    taskId: 1, fileId: 1, stage, path: file, kind: 'image', ext: 'jpg', size: 1, mtimeMs: 0,
    identity, sidecarPath: null, cacheDir, options,
  };
}

async function thumbnail(file: string, cacheDir: string, cfg?: PreprocessConfig): Promise<void> {
  const modelInput = cfg && { width: cfg.width, height: cfg.height, resizeMode: cfg.resizeMode };
  const outcome = await thumbRun(input(file, cacheDir, 'thumbnail', { previewSize: 640, clipSource: true, ...(modelInput && { modelInput }) }));
  assert.equal(outcome.status, 'done', JSON.stringify(outcome));
}

async function embedInput(file: string, cacheDir: string, cfg: PreprocessConfig): Promise<StageOutcome<ModelPixels[]>> {
  return clipRun(input(file, cacheDir, 'clip', { preprocess: cfg }));
}

async function tensor(file: string, cacheDir: string, cfg: PreprocessConfig): Promise<Float32Array> {
  const outcome = await embedInput(file, cacheDir, cfg);
  assert.equal(outcome.status, 'done', JSON.stringify(outcome));
  const [pixels] = (outcome as { value: ModelPixels[] }).value;
  return toTensor(pixels!.rgb, pixels!.plan, cfg);
}

/** Mean absolute difference in 8-bit levels (the tensors are (v/255 - mean)/std, std about 0.27). */
function levelsApart(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return (sum / a.length) * 255 * 0.27;
}

test('the thumbnail stage keeps a 224 px clip source with or without a model, none for a photo already that small, none stale', async () => {
  const dir = tempDir('clip-source');
  const cache = path.join(dir, 'cache');
  // 1200x900 stored sideways: the 640 px preview is 480x640 upright, the source 224 x trunc(224 * 640 / 480).
  await thumbnail(await photo(dir, 1200, 900), cache);
  const meta = await sharp(clipSourcePath(cache, identity)).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height, meta.chromaSubsampling], ['jpeg', 224, 298, '4:4:4']);
  assert.ok(!fs.existsSync(path.join(cache, 'clip-inputs')), 'no model input without a model');

  const withModel = path.join(dir, 'cache-model');
  await thumbnail(await photo(dir, 1200, 900), withModel, clipCfg);
  assert.ok(fs.existsSync(modelInputPath(withModel, identity, geometryKey(clipCfg))));
  assert.ok(fs.existsSync(clipSourcePath(withModel, identity)), 'made beside the model input, for the next model');

  // Rendered again (same identity) by a run that does not want one: the old source goes, it never outlives its rendering.
  const again = await thumbRun(input(await photo(dir, 1200, 900), cache, 'thumbnail', { previewSize: 640 }));
  assert.equal(again.status, 'done');
  assert.ok(!fs.existsSync(clipSourcePath(cache, identity)), 'the earlier source is removed');

  const small = path.join(dir, 'cache-small');
  await thumbnail(await photo(dir, 300, 200), small);
  assert.ok(fs.existsSync(previewPath(small, identity, 'jpeg')));
  assert.ok(!fs.existsSync(clipSourcePath(small, identity)), 'a 200 px short side: the preview is as small');
  assert.equal(clipSourceSize(300, 224), null);
  assert.deepEqual(clipSourceSize(1440, 960), { width: 336, height: 224 });
});

test('a model that comes later embeds from the source: close to the input cut at thumbnail time, and the source is kept', async () => {
  const dir = tempDir('clip-source-later');
  const cache = path.join(dir, 'cache');
  const file = await photo(dir, 1200, 900);
  await thumbnail(file, cache, clipCfg);
  const cutAtThumbnailTime = await tensor(file, cache, clipCfg); // reads the model input, then removes it
  const fromPreview = await tensor(file, cache, clipCfg);
  // Without the preview the source alone must do: so the source is what was read.
  fs.rmSync(previewPath(cache, identity, 'jpeg'));
  const fromSource = await tensor(file, cache, clipCfg);
  assert.ok(fs.existsSync(clipSourcePath(cache, identity)), 'kept for the model after this one');
  assert.deepEqual(fromPreview, fromSource, 'with the preview there, the source was read too');
  const apart = levelsApart(cutAtThumbnailTime, fromSource);
  assert.ok(apart < 1, `the source path differs from the input cut at thumbnail time by ${apart.toFixed(2)} levels`);
  // Upright: the red ramp runs along the stored x axis, which orientation 6 turns top to bottom.
  const red = (t: Float32Array, y: number) => t[y * 224 + 112]!;
  assert.ok(red(fromSource, 204) - red(fromSource, 20) > 1, 'red grows downwards in the upright picture');
});

test('a model that would resample the source, or a damaged source, decodes the preview', async () => {
  const dir = tempDir('clip-source-other');
  const cache = path.join(dir, 'cache');
  const file = await photo(dir, 1200, 900);
  await thumbnail(file, cache);
  const source = clipSourcePath(cache, identity);
  const preview = previewPath(cache, identity, 'jpeg');
  const aside = path.join(dir, 'preview-aside.jpg');

  for (const cfg of [{ ...clipCfg, resizeMode: 'longest' as const }, { ...clipCfg, width: 336, height: 336 }, { ...clipCfg, width: 192, height: 160 }]) {
    const viaPreview = await tensor(file, cache, cfg);
    fs.renameSync(preview, aside);
    const outcome = await embedInput(file, cache, cfg);
    fs.renameSync(aside, preview);
    assert.equal(outcome.status, 'skipped', `${geometryKey(cfg)} did not use the source: with the preview gone it has nothing`);
    assert.equal(viaPreview.length, 3 * cfg.width * cfg.height);
  }

  const fromSource = await tensor(file, cache, clipCfg);
  const whole = fs.readFileSync(source);
  for (const damaged of [whole.subarray(0, 40), Buffer.from('not a jpeg at all')]) {
    fs.writeFileSync(source, damaged);
    const t = await tensor(file, cache, clipCfg);
    assert.equal(t.length, 3 * 224 * 224);
    assert.ok(levelsApart(t, fromSource) < 1.5, 'the preview stood in');
  }
});

test('the model input cut from the shared resample is the one cut on its own', async () => {
  const width = 700;
  const height = 500;
  const data = new Uint8Array(width * height * 3).map((_, i) => (i * 2654435761) >>> 24);
  const pixels = { data, width, height, channels: 3 as const };
  const req: RenderRequest = {
    thumbSize: 64, thumbFormat: 'jpeg', previewSize: 640, previewFormat: 'jpeg', pixelLimit: 1e9, orient: 'none',
    modelInput: (w, h) => modelWindow(w, h, clipCfg),
  };
  const alone = await renderPixels(pixels, req);
  const shared = await renderPixels(pixels, { ...req, clipSource: clipSourceSize });
  assert.ok(shared.clipSource, 'a source was made');
  assert.equal(alone.clipSource, undefined);
  assert.deepEqual(shared.modelInput, alone.modelInput);
});

test('the stages keep a source when CLIP is in use: a model configured, or the clip stage in the run', () => {
  const dir = tempDir('clip-source-wanted');
  const config = (options: Record<string, unknown>, selectedStages: string[] | null) =>
    stageConfig({ cacheDir: path.join(dir, 'cache'), env: { XDG_DATA_HOME: path.join(dir, 'data') }, options, selectedStages });
  const wanted = (options: Record<string, unknown>, selected: string[] | null) => thumbnailStage(config(options, selected)).options().clipSource;
  assert.equal(wanted({}, null), true, 'every stage, clip among them (waiting for a model)');
  assert.equal(wanted({}, ['thumbnail', 'clip']), true);
  assert.equal(wanted({}, ['thumbnail', 'exif']), false, 'CLIP left out and no model: nothing to pay for');
  assert.equal(wanted({ model: tinyModel }, ['thumbnail']), true, 'a model configured: its input is cut from the same resample');
});

test('purge and a new identity remove the source', async () => {
  const dir = tempDir('clip-source-stage');
  const cacheDir = path.join(dir, 'cache');
  const env = { XDG_DATA_HOME: path.join(dir, 'data') };
  const stage = thumbnailStage(stageConfig({ cacheDir, env, options: { model: tinyModel } }));
  const file = await photo(dir, 1200, 900);
  await thumbnail(file, cacheDir);
  stage.purge!(identity);
  assert.equal(fs.existsSync(clipSourcePath(cacheDir, identity)), false);

  // Modified file: the old identity's source goes with its other renditions.
  const { db, fileId } = catalogWithFile(file, identity);
  const first = await thumbRun({ ...input(file, cacheDir, 'thumbnail', stage.options()), fileId });
  stage.commit(db, { taskId: 1, fileId, identity }, (first as { value: unknown }).value);
  assert.ok(fs.existsSync(clipSourcePath(cacheDir, identity)));
  const second = await thumbRun({ ...input(file, cacheDir, 'thumbnail', stage.options()), fileId, identity: '4567ef01' });
  stage.commit(db, { taskId: 2, fileId, identity: '4567ef01' }, (second as { value: unknown }).value);
  assert.equal(fs.existsSync(clipSourcePath(cacheDir, identity)), false);
  assert.ok(fs.existsSync(clipSourcePath(cacheDir, '4567ef01')));
  db.close();
});
