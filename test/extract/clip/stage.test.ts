/**
 * The clip stage's three halves on a real catalog, without the engine: worker run() on a preview, batch.run() on
 * one ORT session, commit() into SQLite; then the stored vectors rank a red photo first for "red".
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { embeddingOf, modelsInUse } from '../../../src/catalog/embeddings.js';
import { clipStage } from '../../../src/extract/clip/stage.js';
import { run } from '../../../src/extract/clip/worker.js';
import type { StageDefinition, TaskInput } from '../../../src/extract/stage.js';
import type { ModelPixels } from '../../../src/models/preprocess.js';
import { search } from '../../../src/search/search.js';
import { addFile, colours, makeCatalog, tempDir, tinyModel, tinyModelB, writePreview, type TestCatalog } from '../../clip-helpers.js';
import { stageConfig } from '../../../src/extract/registry.js';

const fakeClock = (t: number) => ({ now: () => t });

function stageFor(c: TestCatalog, model: string, env: NodeJS.ProcessEnv = { XDG_DATA_HOME: path.join(c.dir, 'data') }, now = 1000): StageDefinition<Float32Array> {
  const warnings: string[] = [];
  const stage = clipStage(stageConfig({
    cacheDir: c.cacheDir,
    env,
    options: { model, device: 'cpu', batchSize: 4 },
    clock: fakeClock(now),
    logger: { info: () => {}, warn: (m: string) => warnings.push(m), error: () => {} },
  }));
  assert.ok(stage);
  return stage;
}

function taskInput(c: TestCatalog, stage: StageDefinition, file: { id: number; path: string; identity: string }): TaskInput {
  return {
    taskId: file.id,
    fileId: file.id,
    stage: 'clip',
    path: file.path,
    kind: 'image',
    ext: 'jpg',
    size: 100,
    mtimeMs: 0,
    identity: file.identity,
    sidecarPath: null,
    cacheDir: c.cacheDir,
    options: stage.options(),
  };
}

/** Runs worker -> batch -> commit for the given files, as the engine would. */
async function embedAll(c: TestCatalog, stage: StageDefinition<Float32Array>, files: { id: number; path: string; identity: string }[]) {
  const prepared: { target: { taskId: number; fileId: number; identity: string }; value: ModelPixels[] }[] = [];
  for (const f of files) {
    const outcome = await run(taskInput(c, stage, f));
    assert.equal(outcome.status, 'done', JSON.stringify(outcome));
    prepared.push({ target: { taskId: f.id, fileId: f.id, identity: f.identity }, value: (outcome as { value: ModelPixels[] }).value });
  }
  const outcomes = await stage.batch!.run(prepared);
  assert.equal(outcomes.length, files.length);
  c.db.transaction(() => {
    outcomes.forEach((o, i) => {
      assert.equal(o.status, 'done');
      stage.commit(c.db, prepared[i]!.target, (o as { value: Float32Array }).value);
    });
  })();
}

async function colourCatalog(): Promise<{ c: TestCatalog; files: Record<string, { id: number; path: string; identity: string }> }> {
  const c = makeCatalog();
  const files: Record<string, { id: number; path: string; identity: string }> = {};
  for (const [name, rgb] of Object.entries(colours)) {
    files[name] = addFile(c, `${name}.jpg`);
    await writePreview(c.cacheDir, files[name]!.identity, rgb);
  }
  return { c, files };
}

test('definition: depends on thumbnail and video, inference lane, model id in the fingerprint, videos accepted', () => {
  const c = makeCatalog();
  const a = stageFor(c, tinyModel);
  const b = stageFor(c, tinyModelB);
  assert.deepEqual(a.dependsOn, ['thumbnail', 'video']);
  assert.equal(a.lane, 'inference');
  assert.match(a.modelId!()!, /^tiny-clip@[0-9a-f]{12}$/);
  assert.notEqual(a.modelId!(), b.modelId!());
  assert.equal(a.batch!.maxSize, 4);
  assert.deepEqual(a.accepts({ kind: 'image', ext: 'jpg' }), { ok: true });
  assert.equal(a.accepts({ kind: 'video', ext: 'mp4' }).ok, true);
});

test('no model installed: preflight pauses with how to get one; batch items fail as a stage fault', async () => {
  const c = makeCatalog();
  const env = { XDG_DATA_HOME: tempDir('nodata') };
  const stage = clipStage(stageConfig({ cacheDir: c.cacheDir, env, options: {} }))!;
  assert.equal(await stage.preflight!(), "no CLIP model: run 'indexer models pull ViT-B-32' or pass --model DIR");
  assert.equal(stage.modelId!(), null);
  const [outcome] = await stage.batch!.run([{ target: { taskId: 1, fileId: 1, identity: 'x' }, value: new Float32Array(3) }]);
  assert.equal(outcome!.status, 'failed');
  assert.equal((outcome as { stageFault?: boolean }).stageFault, true);
  // A model named but absent is also a pause, naming where it looked.
  const named = clipStage(stageConfig({ cacheDir: c.cacheDir, env, options: { model: path.join(c.dir, 'nope') } }))!;
  assert.match((await named.preflight!())!, /no CLIP model at .*nope/);
});

test('a model installed under the data dir is found by name and by default', async () => {
  const c = makeCatalog();
  const data = tempDir('data');
  fs.cpSync(tinyModel, path.join(data, 'indexer/models/tiny-clip'), { recursive: true });
  const env = { XDG_DATA_HOME: data };
  const byName = clipStage(stageConfig({ cacheDir: c.cacheDir, env, options: { model: 'tiny-clip' } }))!;
  const byDefault = clipStage(stageConfig({ cacheDir: c.cacheDir, env, options: {} }))!;
  assert.equal(await byName.preflight!(), null);
  assert.equal(byDefault.modelId!(), byName.modelId!());
});

test('worker skips a file whose preview the thumbnail stage did not write', async () => {
  const c = makeCatalog();
  const stage = stageFor(c, tinyModel);
  const f = addFile(c, 'missing.jpg');
  const outcome = await run(taskInput(c, stage, f));
  assert.equal(outcome.status, 'skipped');
  assert.match((outcome as { reason: string }).reason, /no preview of .*missing\.jpg/);
});

test('worker fails with the file named when the preview is corrupt', async () => {
  const c = makeCatalog();
  const stage = stageFor(c, tinyModel);
  const f = addFile(c, 'corrupt.jpg');
  const preview = await writePreview(c.cacheDir, f.identity, [1, 2, 3]);
  fs.writeFileSync(preview, 'not a jpeg');
  const outcome = await run(taskInput(c, stage, f));
  assert.equal(outcome.status, 'failed');
  assert.match((outcome as { reason: string }).reason, /corrupt\.jpg: cannot read its preview/);
});

test('worker -> batch -> commit stores unit vectors with the model id; "red" ranks the red photo first', async () => {
  const { c, files } = await colourCatalog();
  const stage = stageFor(c, tinyModel);
  await embedAll(c, stage, Object.values(files));
  const stored = embeddingOf(c.db, files.red!.id)!;
  assert.equal(stored.modelId, stage.modelId!());
  assert.equal(stored.vector.length, 4);
  assert.ok(Math.abs(Math.hypot(...stored.vector) - 1) < 1e-5);
  for (const colour of Object.keys(colours)) {
    const results = await search(c.db, { text: `a photo of ${colour}`, limit: 4, filters: {}, device: 'cpu' }, { env: {}, warn: () => {} });
    assert.equal(path.basename(results[0]!.path), `${colour}.jpg`, `${colour} first`);
    assert.ok(results[0]!.score > results[1]!.score);
  }
});

test('model switch: re-embedded files move to the new model; until then both are searched', async () => {
  const { c, files } = await colourCatalog();
  await embedAll(c, stageFor(c, tinyModel, undefined, 1000), Object.values(files));
  const b = stageFor(c, tinyModelB, undefined, 2000);
  // Only two files re-embedded so far: the switch is half done.
  await embedAll(c, b, [files.red!, files.green!]);
  const groups = modelsInUse(c.db);
  assert.deepEqual(
    groups.map((g) => [g.name, g.files, g.dim]),
    [
      ['tiny-clip-b', 2, 5],
      ['tiny-clip', 2, 4],
    ],
  );
  assert.equal(embeddingOf(c.db, files.red!.id)!.vector.length, 5);
  const blue = await search(c.db, { text: 'blue', limit: 4, filters: {}, device: 'cpu' }, { env: {}, warn: () => {} });
  assert.equal(path.basename(blue[0]!.path), 'blue.jpg', 'a file still on the old model is found');
  const red = await search(c.db, { text: 'red', limit: 4, filters: {}, device: 'cpu' }, { env: {}, warn: () => {} });
  assert.equal(path.basename(red[0]!.path), 'red.jpg', 'a re-embedded file is found');
  await embedAll(c, b, [files.blue!, files.yellow!]);
  assert.deepEqual(modelsInUse(c.db).map((g) => g.name), ['tiny-clip-b']);
});

test('with clip tasks pending the model starts loading at preflight, before any task is dispatched; with none it does not', async () => {
  const c = makeCatalog();
  const opened = (said: string[]) => said.some((m) => /image encoder of tiny-clip/.test(m));
  const make = (said: string[]) =>
    clipStage(
      stageConfig({
        cacheDir: c.cacheDir,
        env: { XDG_DATA_HOME: path.join(c.dir, 'data') },
        options: { model: tinyModel, device: 'cpu' },
        logger: { info: (m: string) => said.push(m), warn: () => {}, error: () => {} },
      }),
    )!;
  const busy: string[] = [];
  const started = performance.now();
  assert.equal(await make(busy).preflight!({ pending: 3 }), null);
  while (!opened(busy) && performance.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
  assert.ok(opened(busy), 'the image encoder was opened with no task dispatched');
  const took = performance.now() - started;

  const idle: string[] = [];
  assert.equal(await make(idle).preflight!({ pending: 0 }), null);
  await new Promise((r) => setTimeout(r, Math.max(500, 3 * took)));
  assert.equal(opened(idle), false, 'nothing to embed: no model loaded');
});

test("a rolled-back first commit (another stage's failure in the same batch) does not break the run's later embeddings", async () => {
  const { c, files } = await colourCatalog();
  const stage = stageFor(c, tinyModel);
  const [first, second] = [files.red!, files.green!];
  const vector = (await run(taskInput(c, stage, first))) as { value: ModelPixels[] };
  const [outcome] = await stage.batch!.run([{ target: { taskId: first.id, fileId: first.id, identity: first.identity }, value: vector.value }]);
  const embedding = (outcome as { value: Float32Array }).value;
  // The batch's transaction fails after the clip commit recorded its model: everything in it is undone.
  assert.throws(() =>
    c.db.transaction(() => {
      stage.commit(c.db, { taskId: first.id, fileId: first.id, identity: first.identity }, embedding);
      throw new Error('another stage failed in this batch');
    })(),
  );
  assert.equal(modelsInUse(c.db).length, 0);
  // The next batch commits: its embedding is stored with its model row, as after any first commit.
  c.db.transaction(() => stage.commit(c.db, { taskId: second.id, fileId: second.id, identity: second.identity }, embedding))();
  assert.ok(embeddingOf(c.db, second.id));
  assert.equal(modelsInUse(c.db).length, 1);
});
