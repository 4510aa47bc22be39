/** CLIP for videos: a video's frames cross as one value and are stored as the normalised mean of their embeddings. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { clipStage } from '../../../src/extract/clip/stage.js';
import { joinTensors, meanEmbedding, splitTensors } from '../../../src/extract/clip/video-frames.js';
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

const tensor = (size: number, seed: number) => Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37 + seed) * 1.5);

test('split and join are inverse; a value that is not whole tensors is refused', () => {
  const a = tensor(12, 1), b = tensor(12, 2);
  const parts = splitTensors(joinTensors([a, b]), 12)!;
  assert.deepEqual(parts.map((p) => Array.from(p)), [Array.from(a), Array.from(b)]);
  assert.equal(splitTensors(new Float32Array(13), 12), null);
  assert.equal(splitTensors(new Float32Array(0), 12), null);
  const mean = meanEmbedding([Float32Array.of(1, 0), Float32Array.of(0, 1)]);
  assert.ok(Math.abs(mean[0]! - Math.SQRT1_2) < 1e-6 && Math.abs(mean[1]! - Math.SQRT1_2) < 1e-6);
});

test('batch.run: a video of two frames gets the normalised mean of the two frames embedded alone; photos beside it are unchanged', async () => {
  const s = stage();
  const size = 3 * 32 * 32;
  const opts = s.options() as { preprocess: { width: number; height: number } };
  assert.equal(3 * opts.preprocess.width * opts.preprocess.height, size, 'the tiny model takes 32x32 inputs');
  const target = (id: number) => ({ taskId: id, fileId: id, identity: `id${id}` });
  const [f1, f2] = [tensor(size, 1), tensor(size, 5)];
  const alone = await s.batch!.run([{ target: target(1), value: f1 }, { target: target(2), value: f2 }]);
  const [e1, e2] = alone.map((o) => (o as { value: Float32Array }).value);
  const mixed = await s.batch!.run([
    { target: target(3), value: f1 },
    { target: target(4), value: joinTensors([f1, f2]) },
    { target: target(5), value: new Float32Array(size + 1) },
  ]);
  assert.equal(mixed[0]!.status, 'done');
  assert.deepEqual(Array.from((mixed[0] as { value: Float32Array }).value), Array.from(e1!));
  const video = (mixed[1] as { value: Float32Array }).value;
  const expected = meanEmbedding([e1!, e2!]);
  for (let i = 0; i < video.length; i++) assert.ok(Math.abs(video[i]! - expected[i]!) < 1e-5);
  assert.equal(mixed[2]!.status, 'failed');
});
