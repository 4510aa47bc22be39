/** extract/registry.ts: the set of stages a run loads, real and extra, is refused when it cannot be planned. */
import '../temp.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkedStages, loadAllStages, stageConfig } from '../../src/extract/registry.js';
import { fakeStage } from '../tasks/helpers.js';

/** An INDEXER_EXTRA_STAGES module under the temp dir exporting stages with these dependencies. */
function extraStagesModule(stages: { name: string; dependsOn: string[] }[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-registry-'));
  const file = path.join(dir, 'stages.mjs');
  const defs = stages.map((s) => ({ ...s, version: 1, lane: 'meta', maxAttempts: 1, workerModule: 'file:///nonexistent.js' }));
  fs.writeFileSync(
    file,
    `const defs = ${JSON.stringify(defs)};\n` +
      `export const stages = defs.map((d) => ({ ...d, accepts: () => ({ ok: true }), options: () => ({}), commit() {} }));\n`,
  );
  return file;
}

function config(extra?: string) {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-registry-cache-'));
  return stageConfig({ cacheDir, env: extra ? { INDEXER_EXTRA_STAGES: extra } : {}, options: {} });
}

test('the real stages load, and an extra stage may depend on a real one', async () => {
  const all = await loadAllStages(config(extraStagesModule([{ name: 'tags', dependsOn: ['clip', 'exif'] }])));
  assert.deepEqual(all.map((s) => s.name), ['thumbnail', 'exif', 'xmp', 'video', 'motion', 'clip', 'tags']);
});

test('a stage that depends on a name no stage has is refused when the stages load, naming both', async () => {
  const extra = extraStagesModule([{ name: 'tags', dependsOn: ['clip', 'thumbnial'] }]);
  await assert.rejects(loadAllStages(config(extra)), /stage 'tags' depends on 'thumbnial', which is not a stage \(stages: thumbnail, exif,/);
});

test('stages that depend on each other in a circle are refused, with the circle', () => {
  assert.throws(() => checkedStages([fakeStage('a', { dependsOn: ['b'] }), fakeStage('b', { dependsOn: ['c'] }), fakeStage('c', { dependsOn: ['a'] })]), /in a circle.*: a -> b -> c -> a$/);
  assert.throws(() => checkedStages([fakeStage('a', { dependsOn: ['a'] })]), /: a -> a$/);
  const ok = [fakeStage('a'), fakeStage('b', { dependsOn: ['a'] }), fakeStage('c', { dependsOn: ['a', 'b'] })];
  assert.equal(checkedStages(ok), ok);
});

test('two stages with one name are refused', () => {
  assert.throws(() => checkedStages([fakeStage('a'), fakeStage('a')]), /two stages are named 'a'/);
});
