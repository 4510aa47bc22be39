/**
 * `indexer models list | pull | verify` against a local HTTP server that serves the repo's tiny model in Hugging
 * Face's URL layout (with the sha256 in ETag, and Range support), selected by $INDEXER_MODELS_URL.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir, tinyModel } from '../clip-helpers.js';
import { indexer } from './clip-cli.js';

interface Served {
  url: string;
  /** Requests seen: path and Range header. */
  requests: { path: string; range: string | undefined }[];
  close(): Promise<void>;
}

/**
 * Serves fixtures/models/tiny-clip as immich-app/ViT-B-32__openai; `corrupt` flips a byte of visual/model.onnx;
 * `tamper` does too but sends the tampered file's own sha256 as its ETag; `noChecksum` sends no ETag at all.
 */
async function serveModel(options: { corrupt?: boolean; tamper?: boolean; noChecksum?: boolean; redirect?: boolean } = {}): Promise<Served> {
  const requests: Served['requests'] = [];
  const prefix = '/immich-app/ViT-B-32__openai/resolve/main/';
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    requests.push({ path: url, range: req.headers.range });
    if (options.redirect && url.startsWith(prefix)) {
      // Like Hugging Face: a redirect to the CDN that carries the checksum in X-Linked-Etag.
      const file = url.slice(prefix.length);
      const body = fs.readFileSync(path.join(tinyModel, file));
      res.writeHead(302, { location: `/cdn/${file}`, 'x-linked-etag': `"${sha(body)}"` }).end();
      return;
    }
    const file = url.startsWith(prefix) ? url.slice(prefix.length) : url.startsWith('/cdn/') ? url.slice(5) : null;
    const full = file ? path.join(tinyModel, file) : null;
    if (!full || !fs.existsSync(full)) return void res.writeHead(404).end();
    const original = fs.readFileSync(full);
    let body = original;
    if ((options.corrupt || options.tamper) && file === 'visual/model.onnx') {
      body = Buffer.from(original);
      body[body.length - 1] ^= 0xff;
    }
    const etag = options.tamper ? sha(body) : sha(original);
    const headers: Record<string, string> = options.redirect || options.noChecksum ? {} : { etag: `"${etag}"` };
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && Number(m[1]) < body.length) {
      const from = Number(m[1]);
      res.writeHead(206, { ...headers, 'content-length': String(body.length - from), 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` });
      res.end(body.subarray(from));
    } else res.writeHead(200, { ...headers, 'content-length': String(body.length) }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** A $INDEXER_MODEL_PINS file pinning the tiny model's files as the published ViT-B-32 (what the code pins for real). */
function pinsFile(dir: string): string {
  const files = ['config.json', 'visual/model.onnx', 'visual/preprocess_cfg.json', 'textual/model.onnx', 'textual/tokenizer.json', 'textual/tokenizer_config.json'];
  const pins = Object.fromEntries(files.map((f) => [f, sha(fs.readFileSync(path.join(tinyModel, f)))]));
  const file = path.join(dir, 'pins.json');
  fs.writeFileSync(file, JSON.stringify({ 'ViT-B-32': pins }));
  return file;
}

test('pull downloads, verifies and installs; list and verify see it; a second pull is a no-op', async () => {
  const server = await serveModel();
  try {
    const data = tempDir('pull');
    const env = { XDG_DATA_HOME: data, INDEXER_MODELS_URL: server.url, INDEXER_MODEL_PINS: pinsFile(data) };
    const pull = await indexer(['models', 'pull', 'ViT-B-32'], env);
    assert.equal(pull.code, 0, pull.stderr);
    assert.doesNotMatch(pull.stdout + pull.stderr, /UNVERIFIED/);
    const dir = path.join(data, 'indexer/models/ViT-B-32');
    for (const f of ['config.json', 'visual/model.onnx', 'textual/tokenizer.json']) {
      assert.deepEqual(fs.readFileSync(path.join(dir, f)), fs.readFileSync(path.join(tinyModel, f)), f);
    }
    assert.ok(!fs.existsSync(dir + '.partial'));
    assert.match(pull.stdout, /visual\/model\.onnx: .* verified \(published sha256\)/);

    const list = JSON.parse((await indexer(['--json', 'models', 'list'], env)).stdout) as { models: { name: string; installed: boolean; id: string | null }[] };
    const entry = list.models.find((m) => m.name === 'ViT-B-32')!;
    assert.equal(entry.installed, true);
    assert.match(entry.id!, /^ViT-B-32@[0-9a-f]{12}$/);

    const verify = await indexer(['models', 'verify'], env);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^ok {6}.*ViT-B-32 {2}\[ViT-B-32@[0-9a-f]{12}, 4-d\]/m);

    const before = server.requests.length;
    const again = await indexer(['models', 'pull', 'ViT-B-32'], env);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /already installed/);
    assert.equal(server.requests.length, before);

    // Damage an installed file: verify names it and exits 2.
    fs.appendFileSync(path.join(dir, 'visual/model.onnx'), 'x');
    const bad = await indexer(['models', 'verify', 'ViT-B-32'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stdout, /FAILED .*visual\/model\.onnx: sha256 [0-9a-f]{64} differs from [0-9a-f]{64} recorded at pull/);
  } finally {
    await server.close();
  }
});

test('pull resumes a partial download with an HTTP Range request', async () => {
  const server = await serveModel();
  try {
    const data = tempDir('resume');
    const partial = path.join(data, 'indexer/models/ViT-B-32.partial/visual');
    fs.mkdirSync(partial, { recursive: true });
    const onnx = fs.readFileSync(path.join(tinyModel, 'visual/model.onnx'));
    fs.writeFileSync(path.join(partial, 'model.onnx.part'), onnx.subarray(0, 100));
    const pull = await indexer(['models', 'pull', 'ViT-B-32'], { XDG_DATA_HOME: data, INDEXER_MODELS_URL: server.url });
    assert.equal(pull.code, 0, pull.stderr);
    assert.ok(server.requests.some((r) => r.path.endsWith('visual/model.onnx') && r.range === 'bytes=100-'));
    assert.match(pull.stdout, /visual\/model\.onnx: resuming after/);
    assert.deepEqual(fs.readFileSync(path.join(data, 'indexer/models/ViT-B-32/visual/model.onnx')), onnx);
  } finally {
    await server.close();
  }
});

test('a checksum mismatch fails the pull, installs nothing, and says to run again', async () => {
  const server = await serveModel({ corrupt: true });
  try {
    const data = tempDir('corrupt');
    const pull = await indexer(['models', 'pull', 'ViT-B-32'], { XDG_DATA_HOME: data, INDEXER_MODELS_URL: server.url });
    assert.equal(pull.code, 1);
    assert.match(pull.stderr, /^indexer: pull ViT-B-32: visual\/model\.onnx: .*sha256 mismatch .*run again\n$/);
    assert.ok(!fs.existsSync(path.join(data, 'indexer/models/ViT-B-32')));
  } finally {
    await server.close();
  }
});

test('the checksum is taken from a Hugging Face style redirect (X-Linked-Etag)', async () => {
  const server = await serveModel({ redirect: true });
  try {
    const data = tempDir('redirect');
    const pull = await indexer(['--json', 'models', 'pull', 'ViT-B-32'], { XDG_DATA_HOME: data, INDEXER_MODELS_URL: server.url });
    assert.equal(pull.code, 0, pull.stderr);
    const out = JSON.parse(pull.stdout) as { files: Record<string, { published: boolean; sha256: string }> };
    assert.equal(out.files['visual/model.onnx']!.published, true);
    assert.equal(out.files['visual/model.onnx']!.sha256, sha(fs.readFileSync(path.join(tinyModel, 'visual/model.onnx'))));
  } finally {
    await server.close();
  }
});

test('pull of an unknown name, and verify with nothing installed, exit 2 with a hint', async () => {
  const data = tempDir('unknown');
  const unknown = await indexer(['models', 'pull', 'ViT-X-99'], { XDG_DATA_HOME: data });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown model 'ViT-X-99' \(known: ViT-B-32, /);
  const none = await indexer(['models', 'verify'], { XDG_DATA_HOME: data });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no models installed .*models pull ViT-B-32/);
});

test('verify --against: an int8 variant within cosine 0.99 passes, a different model fails with the numbers', async () => {
  const fixtures = path.dirname(tinyModel);
  const ok = await indexer(['models', 'verify', path.join(fixtures, 'tiny-clip-int8'), '--against', tinyModel]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /lowest cosine (0\.99\d\d|1\.0000) \(images\), (0\.99\d\d|1\.0000) \(texts\)/);
  const bad = await indexer(['models', 'verify', path.join(fixtures, 'tiny-clip-b'), '--against', tinyModel]);
  assert.equal(bad.code, 2);
  assert.match(bad.stdout, /FAILED .*tiny-clip-b: embeddings differ from tiny-clip's by more than cosine 0\.99/);
});

test('a tampered file served with its own matching ETag is refused against the pinned sha256; nothing installed', async () => {
  const server = await serveModel({ tamper: true });
  try {
    const data = tempDir('tamper');
    const pull = await indexer(['models', 'pull', 'ViT-B-32'], { XDG_DATA_HOME: data, INDEXER_MODELS_URL: server.url, INDEXER_MODEL_PINS: pinsFile(data) });
    assert.equal(pull.code, 1, pull.stdout);
    assert.match(pull.stderr, /^indexer: pull ViT-B-32: visual\/model\.onnx: .*sha256 mismatch \(got [0-9a-f]{64}, the published file's is [0-9a-f]{64}\): not the published file, deleted \(refused\)\n$/);
    assert.ok(!fs.existsSync(path.join(data, 'indexer/models/ViT-B-32')));
    assert.ok(!fs.existsSync(path.join(data, 'indexer/models/ViT-B-32.partial/visual/model.onnx')));
  } finally {
    await server.close();
  }
});

test('files no pinned sha256 vouches for install as UNVERIFIED, said loudly (even with --quiet), and listed in --json', async () => {
  for (const options of [{ noChecksum: true }, {}]) {
    const server = await serveModel(options);
    try {
      const data = tempDir('unverified');
      const env = { XDG_DATA_HOME: data, INDEXER_MODELS_URL: server.url };
      const quiet = await indexer(['--quiet', 'models', 'pull', 'ViT-B-32'], env);
      assert.equal(quiet.code, 0, quiet.stderr);
      const warning = quiet.stderr.split('\n').filter((l) => /UNVERIFIED/.test(l));
      assert.equal(warning.length, 1, quiet.stderr);
      assert.match(warning[0]!, /^indexer: WARNING: ViT-B-32 is UNVERIFIED: no published sha256 pinned for config\.json, visual\/model\.onnx, .*INDEXER_MODEL_PINS/);
      const json = await indexer(['--json', 'models', 'pull', 'ViT-B-32', '--force'], env);
      assert.equal(json.code, 0, json.stderr);
      const out = JSON.parse(json.stdout) as { unverified: string[]; files: Record<string, { pinned: boolean; published: boolean }> };
      assert.equal(out.unverified.length, 6);
      assert.equal(out.files['visual/model.onnx']!.pinned, false);
      assert.equal(out.files['visual/model.onnx']!.published, !options.noChecksum);
    } finally {
      await server.close();
    }
  }
});

test('pull while offline names the URL and the cause, exits 1, and leaves no empty .partial folder', async () => {
  // A port nothing listens on: connection refused, as with no network at all.
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((r) => closed.close(() => r()));
  const data = tempDir('offline');
  const url = `http://127.0.0.1:${port}`;
  const pull = await indexer(['models', 'pull', 'ViT-B-32'], { XDG_DATA_HOME: data, INDEXER_MODELS_URL: url });
  assert.equal(pull.code, 1);
  assert.equal(pull.stderr.trim().split('\n').length, 1, pull.stderr);
  assert.ok(pull.stderr.includes(`cannot download ${url}/immich-app/ViT-B-32__openai/resolve/main/config.json: connect ECONNREFUSED`), pull.stderr);
  assert.match(pull.stderr, /offline\? check the network, or \$INDEXER_MODELS_URL/);
  assert.deepEqual(fs.existsSync(path.join(data, 'indexer/models')) ? fs.readdirSync(path.join(data, 'indexer/models')) : [], []);
});
