/** `indexer doctor` names the HEIF decoder this machine uses (and obeys INDEXER_HEIF_DECODER), in text and JSON. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { runCli } from './helpers.js';

const hasVips = spawnSync('vips', ['--version'], { stdio: 'ignore' }).status === 0;

test('doctor says which HEIF decoder is used; INDEXER_HEIF_DECODER=wasm picks the fallback', async () => {
  const text = await runCli(['doctor']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, hasVips ? /^HEIC\/HEIF decoder: libheif-js .* first; native libheif through vips-/m : /^HEIC\/HEIF decoder: libheif-js .* only/m);
  assert.match(text.stdout, /approximate index/);
  const json = await runCli(['--json', 'doctor'], { env: { INDEXER_HEIF_DECODER: 'wasm' } });
  const parsed = JSON.parse(json.stdout) as { heifDecoder: { kind: string; detail: string }; searchIndexFrom: number };
  assert.equal(parsed.heifDecoder.kind, 'wasm');
  assert.match(parsed.heifDecoder.detail, /INDEXER_HEIF_DECODER=wasm/);
  assert.equal(parsed.searchIndexFrom, 100_000);
});
