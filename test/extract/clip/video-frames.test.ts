/** CLIP for videos: a video's frames cross as one value and are stored as the normalised mean of their embeddings. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { clipStage } from '../../../src/extract/clip/stage.js';
import { framesOf, meanEmbedding } from '../../../src/extract/clip/video-frames.js';
import type { ModelPixels } from '../../../src/models/preprocess.js';
import type { StageDefinition } from '../../../src/extract/stage.js';
import { makeCatalog, tinyModel } from '../../clip-helpers.js';
import { stageConfig } from '../../../src/extract/registry.js';

function stage(): StageDefinition<Float32Array> {
  const c = makeCatalog();
  return clipStage(stageConfig({
    cacheDir: c.cacheDir,
    env: { XDG_DATA_HOME: path.join(c.dir, 'data') },
    options: { model: tinyModel, device: 'cpu', batchSize: 4 },
    logger: { info: () => {}, warn: () => {}, error: () => {} },
  }) as never)!;
}

/** A frame's pixels at the tiny model's 32x32 input, the whole picture in view. */
const frame = (seed: number): ModelPixels => ({
  rgb: Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => Math.round(127.5 + Math.sin(i * 0.37 + seed) * 120)),
  plan: { resizeWidth: 32, resizeHeight: 32, left: 0, top: 0 },
});

test('a worker value is a list of whole pixels, one per frame; anything else is refused', () => {
  const [a, b] = [frame(1), frame(2)];
  assert.deepEqual(framesOf([a, b]), [a, b]);
  assert.equal(framesOf([]), null);
  assert.equal(framesOf(a), null);
  assert.equal(framesOf(new Float32Array(3 * 32 * 32)), null);
  // A row short of its plan, or a plan that is not whole numbers.
  assert.equal(framesOf([{ ...a, rgb: a.rgb.subarray(3 * 32) }]), null);
  assert.equal(framesOf([{ ...a, plan: { ...a.plan, left: 0.5 } }]), null);
  const mean = meanEmbedding([Float32Array.of(1, 0), Float32Array.of(0, 1)]);
  assert.ok(Math.abs(mean[0]! - Math.SQRT1_2) < 1e-6 && Math.abs(mean[1]! - Math.SQRT1_2) < 1e-6);
});

test('batch.run: a video of two frames gets the normalised mean of the two frames embedded alone; photos beside it are unchanged', async () => {
  const s = stage();
  const opts = s.options() as { preprocess: { width: number; height: number } };
  assert.deepEqual([opts.preprocess.width, opts.preprocess.height], [32, 32], 'the tiny model takes 32x32 inputs');
  const target = (id: number) => ({ taskId: id, fileId: id, identity: `id${id}` });
  const [f1, f2] = [frame(1), frame(5)];
  const alone = await s.batch!.run([{ target: target(1), value: [f1] }, { target: target(2), value: [f2] }]);
  const [e1, e2] = alone.map((o) => (o as { value: Float32Array }).value);
  const mixed = await s.batch!.run([
    { target: target(3), value: [f1] },
    { target: target(4), value: [f1, f2] },
    { target: target(5), value: [{ ...f1, rgb: f1.rgb.subarray(1) }] },
  ]);
  assert.equal(mixed[0]!.status, 'done');
  assert.deepEqual(Array.from((mixed[0] as { value: Float32Array }).value), Array.from(e1!));
  const video = (mixed[1] as { value: Float32Array }).value;
  const expected = meanEmbedding([e1!, e2!]);
  for (let i = 0; i < video.length; i++) assert.ok(Math.abs(video[i]! - expected[i]!) < 1e-5);
  assert.equal(mixed[2]!.status, 'failed');
});
