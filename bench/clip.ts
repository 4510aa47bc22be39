/**
 * clip benchmark.
 * 1. Throughput of the clip stage (real CLI: `indexer resume --stages clip`, workers preprocessing the thumbnail
 *    stage's previews, batched inference on one session, commits) against a bare ORT session on the same model and
 *    batch size (bench/clip-peer.ts), both from process start, in the same run. Goal: >= 0.9x.
 *    The model is the real ViT-B/32 architecture with random weights, exported by scripts/export-vit-b32.py and
 *    cached under /tmp/indexer-bench ($INDEXER_BENCH_CLIP_MODEL overrides).
 * 2. Query latency of search's ranking over 1M 512-d embeddings held in one Float32Array, and the cost of loading
 *    vectors from the catalog (measured on a smaller table, per row).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadVectors, recordModel, saveEmbedding } from '../src/catalog/embeddings.js';
import { openCatalog } from '../src/catalog/open.js';
import { normalize, topK } from '../src/search/vectors.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const defaultModel = '/tmp/indexer-bench/ViT-B-32-random';

export async function benchClip(o: { quick: boolean }): Promise<void> {
  const model = process.env.INDEXER_BENCH_CLIP_MODEL || defaultModel;
  if (!fs.existsSync(path.join(model, 'visual/model.onnx'))) {
    console.log(`clip throughput: skipped, no ViT-B/32 model at ${model}. Create it (random weights, ~600 MB, ~30 s):`);
    console.log(`  apt-get install python3-torch python3-onnx && /usr/bin/python3 scripts/export-vit-b32.py ${model}`);
  } else {
    await throughput(model, o.quick ? 32 : 128, o.quick ? 8 : 16);
  }
  latency(o.quick ? 100_000 : 1_000_000, o.quick ? 10_000 : 100_000);
}

async function throughput(model: string, images: number, batch: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-bench-clip-'));
  try {
    const root = path.join(dir, 'photos');
    fs.mkdirSync(root);
    // Camera-sized JPEGs with some texture: the thumbnail stage turns them into 1440 px previews first (not timed).
    for (let i = 0; i < images; i++) {
      const noise = Buffer.alloc(64 * 48 * 3).map((_, k) => (k * 37 + i * 101) % 251);
      await sharp(noise, { raw: { width: 64, height: 48, channels: 3 } })
        .resize(3000, 2000, { kernel: 'cubic' })
        .jpeg({ quality: 85 })
        .toFile(path.join(root, `img${String(i).padStart(4, '0')}.jpg`));
    }
    const base = ['--db', path.join(dir, 'catalog.db'), '--cache-dir', path.join(dir, 'cache'), '--quiet'];
    const prep = cli([...base, 'scan', root, '--stages', 'thumbnail']);
    if (prep.status !== 0) throw new Error(`preparing previews failed: ${prep.stderr}`);

    const peer = spawnSync(process.execPath, [path.join(repo, 'dist/bench/clip-peer.js'), model, String(images), String(batch)], { encoding: 'utf8' });
    if (peer.status !== 0) throw new Error(`bare ORT peer failed: ${peer.stderr}`);
    const p = JSON.parse(peer.stdout.trim().split('\n').pop()!) as { totalSeconds: number; loadSeconds: number; inferSeconds: number; peakRssMB: number };

    const started = performance.now();
    const stage = cli([...base, 'resume', '--stages', 'clip', '--model', model, '--device', 'cpu', '--batch-size', String(batch)], true);
    const stageSeconds = (performance.now() - started) / 1000;
    if (stage.status !== 0) throw new Error(`clip stage run failed: ${stage.stderr}`);
    const rss = /MAXRSS=(\d+)/.exec(stage.stderr);
    const embedded = count(path.join(dir, 'catalog.db'));
    if (embedded !== images) throw new Error(`clip stage embedded ${embedded} of ${images} images`);

    const stageRate = images / stageSeconds;
    const peerRate = images / p.totalSeconds;
    console.log(`clip throughput, ${images} images, batch ${batch}, ViT-B/32 (random weights), cpu, ${os.cpus().length} cores:`);
    console.log(`  clip stage (indexer resume, from process start): ${stageRate.toFixed(1)} img/s, peak RSS ${rss ? (Number(rss[1]) / 1024).toFixed(0) : '?'} MB`);
    console.log(
      `  bare ORT session (from process start):          ${peerRate.toFixed(1)} img/s (inference alone ${(images / p.inferSeconds).toFixed(1)} img/s, load ${p.loadSeconds.toFixed(1)} s), peak RSS ${p.peakRssMB.toFixed(0)} MB`,
    );
    console.log(`  ratio stage / bare: ${(stageRate / peerRate).toFixed(2)}x (goal >= 0.9x)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function cli(args: string[], measureRss = false) {
  const bin = path.join(repo, 'bin/indexer.js');
  const withTime = measureRss && fs.existsSync('/usr/bin/time');
  const cmd = withTime ? '/usr/bin/time' : process.execPath;
  const argv = withTime ? ['-f', 'MAXRSS=%M', process.execPath, bin, ...args] : [bin, ...args];
  return spawnSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, INDEXER_DB: '', INDEXER_CACHE: '' } });
}

function count(dbPath: string): number {
  const db = openCatalog(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM embeddings').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Ranking latency over n vectors in memory, and per-row cost of loading vectors from SQLite (m rows). */
function latency(n: number, m: number): void {
  const dim = 512;
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const data = new Float32Array(n * dim);
  for (let i = 0; i < data.length; i++) data[i] = rand();
  for (let r = 0; r < n; r++) normalize(data.subarray(r * dim, (r + 1) * dim));
  const ids = Int32Array.from({ length: n }, (_, i) => i + 1);
  const times: number[] = [];
  for (let q = 0; q < 5; q++) {
    const query = normalize(new Float32Array(dim).map(rand));
    const t = performance.now();
    topK({ dim, ids, data }, query, 20);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(`search ranking over ${n.toLocaleString('en')} x ${dim}-d float32 vectors (${((n * dim * 4) / 2 ** 20).toFixed(0)} MB): median ${times[2]!.toFixed(0)} ms, best ${times[0]!.toFixed(0)} ms per query (top 20)`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-bench-vec-'));
  try {
    const db = openCatalog(path.join(dir, 'catalog.db'));
    db.prepare(`INSERT INTO roots (path, added_at) VALUES ('/bench', 0)`).run();
    recordModel(db, { id: 'bench@0', name: 'bench', dir: '/bench', dim }, 0);
    const file = db.prepare(
      `INSERT INTO files (root_id, path, kind, ext, size, mtime_ms, ino, dev, first_seen, last_seen) VALUES (1, ?, 'image', 'jpg', 1, 0, '1', 1, 0, 0)`,
    );
    db.transaction(() => {
      for (let i = 0; i < m; i++) {
        const id = Number(file.run(`/bench/${i}.jpg`).lastInsertRowid);
        saveEmbedding(db, id, 'bench@0', data.subarray((i % n) * dim, ((i % n) + 1) * dim), 0);
      }
    })();
    const t = performance.now();
    const set = loadVectors(db, 'bench@0', dim);
    const ms = performance.now() - t;
    db.close();
    console.log(
      `loading ${set.ids.length.toLocaleString('en')} vectors from the catalog: ${ms.toFixed(0)} ms (${((ms / set.ids.length) * 1e3).toFixed(2)} µs/row; 1M rows ≈ ${((ms / set.ids.length) * 1e6 / 1000).toFixed(1)} s)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`bench process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}
