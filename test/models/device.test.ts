import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ClipModel } from '../../src/models/clip-model.js';
import { loadModelInfo } from '../../src/models/model-dir.js';
import { ModelSession, type Device } from '../../src/models/onnx.js';
import { tinyModel } from '../clip-helpers.js';

const visual = path.join(tinyModel, 'visual/model.onnx');

for (const device of ['cuda', 'webgpu'] as Device[]) {
  test(`--device ${device}: runs on it when usable, else falls back to cpu with one warning`, async () => {
    const warnings: string[] = [];
    const session = await ModelSession.open(visual, { device, warn: (m) => warnings.push(m) });
    try {
      if (session.provider === device) assert.deepEqual(warnings, []);
      else {
        assert.equal(session.provider, 'cpu');
        assert.equal(warnings.length, 1);
        assert.match(warnings[0]!, new RegExp(`--device ${device} is not usable \\(${device}: .+\\); falling back to cpu`));
      }
      const out = await session.run({ type: 'float32', data: new Float32Array(2 * 3 * 32 * 32) }, [2, 3, 32, 32]);
      assert.deepEqual(out.dims, [2, 4]);
    } finally {
      await session.release();
    }
  });
}

test('--device auto picks a provider without warnings and says which', async () => {
  const warnings: string[] = [];
  const said: string[] = [];
  const model = new ClipModel(loadModelInfo(tinyModel), { device: 'auto', warn: (m) => warnings.push(m), info: (m) => said.push(m) });
  const [v] = await model.encodeImages([new Float32Array(3 * 32 * 32)]);
  assert.equal(v!.length, 4);
  assert.deepEqual(warnings, []);
  assert.match(said[0]!, /^clip: image encoder of tiny-clip on (cpu|cuda|webgpu) \(--device auto\)$/);
  await model.release();
});

test('a file that is not a model fails with its name, whatever the device', async () => {
  await assert.rejects(ModelSession.open(path.join(tinyModel, 'config.json'), { device: 'cpu', warn: () => {} }), /cannot load .*config\.json/);
});

test('a provider that fails during inference: one warning, the batch reruns on cpu, later batches stay there', async () => {
  const warnings: string[] = [];
  let calls = 0;
  const broken = {
    inputNames: ['image'],
    outputNames: ['image_embedding'],
    inputMetadata: [],
    run: async () => {
      calls++;
      throw new Error('GPU device lost');
    },
    release: async () => {},
  };
  const session = ModelSession.wrap(visual, broken as never, 'webgpu', { device: 'webgpu', warn: (m) => warnings.push(m) });
  const out = await session.run({ type: 'float32', data: new Float32Array(3 * 32 * 32) }, [1, 3, 32, 32]);
  assert.deepEqual(out.dims, [1, 4]);
  assert.equal(session.provider, 'cpu');
  assert.deepEqual(warnings, ['clip: webgpu failed during inference (GPU device lost); falling back to cpu']);
  await session.run({ type: 'float32', data: new Float32Array(3 * 32 * 32) }, [1, 3, 32, 32]);
  assert.equal(calls, 1);
  assert.equal(warnings.length, 1);
  await session.release();
});
