/**
 * Hostile model directories (issue 13 item 9): configs asking for absurd sizes are refused when the model is loaded,
 * errors never quote a file's contents, and a model that fails to load is never remembered as the default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loadModelInfo } from '../../src/models/model-dir.js';
import { ClipTokenizer } from '../../src/models/tokenizer.js';
import { UserError } from '../../src/errors.js';
import { tempDir, tinyModel } from '../clip-helpers.js';
import { runCli } from '../e2e/helpers.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n';

function copyModel(t: { after(fn: () => void): void }): string {
  const dir = path.join(tempDir('model-cfg'), 'tiny-copy');
  fs.cpSync(tinyModel, dir, { recursive: true });
  t.after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  return dir;
}

function refused(dir: string, pattern: RegExp): void {
  assert.throws(
    () => loadModelInfo(dir),
    (err: unknown) => err instanceof UserError && pattern.test(err.message),
  );
}

test('preprocess_cfg.json sizes, mean and std lengths, and config.json values out of bounds are refused, naming the file', (t) => {
  const dir = copyModel(t);
  const cfgFile = path.join(dir, 'visual/preprocess_cfg.json');
  const good = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ size: [65535, 65535] }, /preprocess_cfg\.json: size must be a whole number from 1 to 1024, got 65535/],
    [{ size: 65535 }, /size must be a whole number from 1 to 1024, got 65535/],
    [{ size: [224, 224, 3] }, /size must be one number or two/],
    [{ size: [224.5, 224] }, /size must be a whole number/],
    [{ mean: [0.5, 0.5] }, /mean must be three numbers, got a list of 2/],
    [{ std: [0.2, 0, 0.2] }, /std must be three positive numbers/],
    [{ std: 'x' }, /std must be three positive numbers, got string/],
    [{ fill_color: 1e9 }, /fill_color must be a whole number from 0 to 255/],
  ];
  for (const [change, pattern] of cases) {
    fs.writeFileSync(cfgFile, JSON.stringify({ ...good, ...change }));
    refused(dir, pattern);
  }
  fs.writeFileSync(cfgFile, JSON.stringify(good));
  const configFile = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  fs.writeFileSync(configFile, JSON.stringify({ ...config, embed_dim: 1e9 }));
  refused(dir, /config\.json: embed_dim must be a whole number from 1 to 8192, got 1000000000/);
  fs.writeFileSync(configFile, JSON.stringify({ ...config, text_cfg: { context_length: 1e7 } }));
  refused(dir, /context_length must be a whole number from 2 to 1024/);
  fs.writeFileSync(configFile, JSON.stringify(config) + ' '.repeat(2 * 1024 * 1024));
  refused(dir, /config\.json: \d+ bytes, over the 1048576 byte limit for this file \(refused unread\)/);
  fs.writeFileSync(configFile, JSON.stringify(config));
  assert.equal(loadModelInfo(dir).embedDim, config.embed_dim, 'the repaired copy loads');
});

test('a model file that is a FIFO is refused without reading it', (t) => {
  const dir = copyModel(t);
  const cfgFile = path.join(dir, 'visual/preprocess_cfg.json');
  fs.rmSync(cfgFile);
  assert.equal(spawnSync('mkfifo', [cfgFile]).status, 0);
  refused(dir, /preprocess_cfg\.json: not a regular file/);
});

test('config.json or tokenizer.json linked to another file: the error names the file, never its contents', (t) => {
  const dir = copyModel(t);
  const secret = path.join(path.dirname(dir), 'passwd');
  fs.writeFileSync(secret, PASSWD);
  const tokenizer = path.join(dir, 'textual/tokenizer.json');
  fs.rmSync(tokenizer);
  fs.symlinkSync(secret, tokenizer);
  const info = loadModelInfo(dir);
  assert.throws(
    () => ClipTokenizer.fromFiles(info.tokenizerFile, info.tokenizerConfigFile, info.contextLength),
    (err: Error) => err.message === `${tokenizer}: not valid JSON`,
  );
  const config = path.join(dir, 'config.json');
  fs.rmSync(config);
  fs.symlinkSync(secret, config);
  assert.throws(
    () => loadModelInfo(dir),
    (err: Error) => {
      assert.equal(err.message, `${config}: not valid JSON`);
      assert.doesNotMatch(err.message, /root:x/);
      return true;
    },
  );
});

test('a model given with --model that fails to load is not remembered; one that loads is', { timeout: 120_000 }, async (t) => {
  const broken = copyModel(t);
  fs.writeFileSync(path.join(broken, 'visual/model.onnx'), Buffer.alloc(4096, 7)); // not an ONNX graph
  const home = path.dirname(broken);
  const root = path.join(home, 'photos');
  fs.mkdirSync(root);
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 10, b: 10 } } }).jpeg().toFile(path.join(root, 'red.jpg'));
  const env = { XDG_DATA_HOME: path.join(home, 'data') };
  const args = ['--db', path.join(home, 'catalog.db'), '--cache-dir', path.join(home, 'cache')];
  const lastUsed = path.join(home, 'data/indexer/models/.last-used');

  const bad = await runCli([...args, 'scan', root, '--model', broken, '--device', 'cpu'], { env });
  assert.equal(bad.code, 0, bad.stderr);
  assert.equal(fs.existsSync(lastUsed), false, `remembered a model that failed to load: ${bad.stderr}`);

  const good = await runCli([...args, 'scan', root, '--model', tinyModel, '--device', 'cpu'], { env });
  assert.equal(good.code, 0, good.stderr);
  assert.equal(fs.readFileSync(lastUsed, 'utf8').trim(), tinyModel);

  const again = await runCli([...args, 'scan', root, '--model', broken, '--device', 'cpu'], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(fs.readFileSync(lastUsed, 'utf8').trim(), tinyModel, 'the model that loaded stays the default');
});
