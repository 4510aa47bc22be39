import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ClipModel } from '../../src/models/clip-model.js';
import { loadModelInfo } from '../../src/models/model-dir.js';
import { ModelSession } from '../../src/models/onnx.js';
import { planResize, toTensor } from '../../src/models/preprocess.js';
import { RemoteSession } from '../../src/models/remote-session.js';
import { tinyModel } from '../clip-helpers.js';

const visual = path.join(tinyModel, 'visual/model.onnx');

function input(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n * 3 * 32 * 32 }, (_, i) => (((i + seed) * 2654435761) % 1000) / 500 - 1);
}

test('a session on its own thread gives the same outputs as one in-process, batch after batch', async () => {
  const local = await ModelSession.open(visual, { device: 'cpu', warn: () => {} });
  const remote = await RemoteSession.open(visual, { device: 'cpu', warn: () => {} });
  try {
    assert.equal(remote.provider, 'cpu');
    for (const [n, seed] of [[3, 1], [1, 7], [2, 11]] as const) {
      const expected = await local.run({ type: 'float32', data: input(n, seed) }, [n, 3, 32, 32]);
      // A view into a larger buffer: only the view's values may travel.
      const padded = new Float32Array(input(n, seed).length + 10);
      padded.set(input(n, seed), 5);
      const got = await remote.run({ type: 'float32', data: padded.subarray(5, 5 + input(n, seed).length) }, [n, 3, 32, 32]);
      assert.deepEqual([...got.dims], [...expected.dims]);
      assert.deepEqual([...got.data], [...expected.data]);
    }
  } finally {
    await local.release();
    await remote.release();
  }
});

test('errors on the model thread come back as rejections, and the thread keeps serving', async () => {
  await assert.rejects(RemoteSession.open(path.join(tinyModel, 'config.json'), { device: 'cpu', warn: () => {} }), /cannot load .*config\.json/);
  const remote = await RemoteSession.open(visual, { device: 'cpu', warn: () => {} });
  try {
    await assert.rejects(remote.run({ type: 'float32', data: new Float32Array(5) }, [1, 3, 32, 32]));
    const out = await remote.run({ type: 'float32', data: input(1, 3) }, [1, 3, 32, 32]);
    assert.deepEqual([...out.dims], [1, 4]);
  } finally {
    await remote.release();
  }
});

test('ClipModel with the image encoder off-thread embeds like the in-process one and says where it runs', async () => {
  const info = loadModelInfo(tinyModel);
  const said: string[] = [];
  const offThread = new ClipModel(info, { device: 'cpu', warn: () => {}, info: (m) => said.push(m), visualOffThread: true });
  const inProcess = new ClipModel(info, { device: 'cpu', warn: () => {} });
  try {
    const tensors = [input(1, 5), input(1, 9)];
    const a = await offThread.encodeImages(tensors);
    const b = await inProcess.encodeImages(tensors);
    assert.deepEqual(a.map((v) => [...v]), b.map((v) => [...v]));
    assert.match(said[0]!, /^clip: image encoder of tiny-clip on cpu \(--device cpu\)$/);
  } finally {
    await offThread.release();
    await inProcess.release();
  }
});

test('a model thread that has gone away fails every later request at once', async () => {
  const remote = await RemoteSession.open(visual, { device: 'cpu', warn: () => {} });
  await remote.release();
  await assert.rejects(remote.run({ type: 'float32', data: input(1, 2) }, [1, 3, 32, 32]), /model thread exited/);
});

for (const resizeMode of ['shortest', 'longest'] as const) {
  test(`pixels (${resizeMode}) embedded batch after batch in one reused buffer match each image embedded alone`, async () => {
    const loaded = loadModelInfo(tinyModel);
    // 'longest' pads: padding written into a buffer that held another batch's pixels must be the fill colour.
    const info = { ...loaded, preprocess: { ...loaded.preprocess, resizeMode } };
    const cfg = info.preprocess;
    const pixels = (seed: number, width: number, height: number) => {
      const plan = planResize(width, height, cfg);
      return { rgb: Uint8Array.from({ length: plan.resizeWidth * plan.resizeHeight * 3 }, (_, i) => (i * 7 + seed * 31) % 256), plan };
    };
    // Photos of different shapes: crops, pads and their offsets differ from image to image.
    const images = [pixels(1, 48, 32), pixels(2, 32, 32), pixels(3, 32, 40), pixels(4, 40, 32), pixels(5, 32, 32), pixels(6, 64, 32)];
    // What the model thread is sent: the buffer's size tells a reused buffer (the first batch's) from a new one.
    const lent: number[] = [];
    const run = RemoteSession.prototype.run;
    RemoteSession.prototype.run = function (this: RemoteSession, ...args: Parameters<typeof run>) {
      lent.push(args[0].data.buffer.byteLength);
      return run.apply(this, args);
    };
    const offThread = new ClipModel(info, { device: 'cpu', warn: () => {}, visualOffThread: true });
    const inProcess = new ClipModel(info, { device: 'cpu', warn: () => {} });
    try {
      const batched = [
        ...(await offThread.encodePixels(images.slice(0, 3))),
        ...(await offThread.encodePixels(images.slice(3, 4))),
        ...(await offThread.encodePixels(images.slice(4))),
      ];
      assert.deepEqual(lent, [3, 3, 3].map((n) => n * 3 * 32 * 32 * 4), 'the smaller batches did not reuse the first one\'s buffer');
      const inProcessBatched = [...(await inProcess.encodePixels(images.slice(0, 3))), ...(await inProcess.encodePixels(images.slice(3)))];
      for (const [i, image] of images.entries()) {
        const [alone] = await inProcess.encodeImages([toTensor(image.rgb, image.plan, cfg)]);
        for (const got of [batched[i]!, inProcessBatched[i]!]) {
          assert.equal(got.length, alone!.length);
          got.forEach((v, k) => assert.ok(Math.abs(v - alone![k]!) < 1e-5, `image ${i}, value ${k}: ${v} vs ${alone![k]}`));
        }
      }
    } finally {
      RemoteSession.prototype.run = run;
      await offThread.release();
      await inProcess.release();
    }
  });
}

test('short batches do not take the places of full ones\' buffers', async () => {
  const info = loadModelInfo(tinyModel);
  const cfg = info.preprocess;
  const plan = planResize(32, 32, cfg);
  const image = { rgb: new Uint8Array(32 * 32 * 3).fill(90), plan };
  const lent: number[] = [];
  const run = RemoteSession.prototype.run;
  RemoteSession.prototype.run = function (this: RemoteSession, ...args: Parameters<typeof run>) {
    lent.push(args[0].data.buffer.byteLength / (3 * 32 * 32 * 4));
    return run.apply(this, args);
  };
  const model = new ClipModel(info, { device: 'cpu', warn: () => {}, visualOffThread: true });
  try {
    const batch = (n: number) => model.encodePixels(Array.from({ length: n }, () => image));
    // Two one-image batches in flight at once (a flush on time queued behind a short batch), then a full batch of
    // three, then one of two: the last reuses the full batch's buffer (sizes are in images).
    await Promise.all([batch(1), batch(1)]);
    await batch(3);
    await batch(2);
    assert.deepEqual(lent, [1, 1, 3, 3]);
  } finally {
    RemoteSession.prototype.run = run;
    await model.release();
  }
});

test('a caller that does not lend its buffer keeps it: only the input\'s values travel', async () => {
  const remote = await RemoteSession.open(visual, { device: 'cpu', warn: () => {} });
  try {
    const big = input(3, 1);
    const out = await remote.run({ type: 'float32', data: big.subarray(0, 3 * 32 * 32) }, [1, 3, 32, 32]);
    assert.deepEqual([...out.dims], [1, 4]);
    assert.equal(big.length, 3 * 3 * 32 * 32, 'the caller\'s buffer was taken');
  } finally {
    await remote.release();
  }
});
