/**
 * `indexer worker` on SQLite, as real child processes: it finishes a `scan --no-extract` backlog, honours --stages
 * and --max-duration, reads through --path-map, and with --follow picks up what a later scan adds until SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { collect, lastJson, sandbox, type Sandbox } from './helpers.js';
import { listFiles, makeLibrary, waitUntil } from './worker-helpers.js';

const env = { INDEXER_THREADS: '2' };
const IMAGE_STAGES = ['--stages', 'thumbnail,exif,xmp'];

function taskStates(box: Sandbox): Record<string, Record<string, number>> {
  const db = new Database(box.db, { readonly: true });
  try {
    const rows = db.prepare(`SELECT stage, state, count(*) AS n FROM tasks GROUP BY stage, state`).all() as { stage: string; state: string; n: number }[];
    const out: Record<string, Record<string, number>> = {};
    for (const r of rows) (out[r.stage] ??= {})[r.state] = r.n;
    return out;
  } finally {
    db.close();
  }
}

async function scanNoExtract(box: Sandbox, root: string, extra: string[] = []): Promise<void> {
  const r = await box.run(['scan', '--no-extract', ...extra, root], { env });
  assert.equal(r.code, 0, r.stderr);
}

test('worker finishes a scan --no-extract backlog and exits 0; its run is recorded as a worker run', async () => {
  const box = sandbox('indexer-worker-');
  try {
    const root = path.join(box.dir, 'photos');
    await makeLibrary(root, 6, 400);
    await scanNoExtract(box, root);
    assert.deepEqual(taskStates(box), {}, 'scan --no-extract plans nothing');
    const r = await box.run(['--json', 'worker', ...IMAGE_STAGES], { env });
    assert.equal(r.code, 0, r.stderr);
    const s = lastJson(r.stdout).extract;
    assert.equal(s.outcome, 'complete');
    assert.equal(s.pending, 0);
    assert.deepEqual(taskStates(box), { thumbnail: { done: 6 }, exif: { done: 6 }, xmp: { done: 6 } });
    const status = await box.run(['status', '--json']);
    assert.equal(lastJson(status.stdout).lastRun.command, 'worker');
    // Nothing left: a second worker has nothing to do and exits 0 at once.
    const again = await box.run(['--json', 'worker', ...IMAGE_STAGES], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(lastJson(again.stdout).extract.done, 0);
  } finally {
    box.cleanup();
  }
});

test('worker --stages runs only those stages (and what they need); the rest stays pending', async () => {
  const box = sandbox('indexer-worker-');
  try {
    const root = path.join(box.dir, 'photos');
    await makeLibrary(root, 4, 300);
    await scanNoExtract(box, root);
    const r = await box.run(['--json', 'worker', '--stages', 'exif'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(lastJson(r.stdout).extract.stages), ['exif']);
    assert.deepEqual(taskStates(box), { exif: { done: 4 } }, 'only exif planned and run');
    const bad = await box.run(['worker', '--stages', 'nosuch'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--stages: unknown stage 'nosuch'/);
  } finally {
    box.cleanup();
  }
});

test('worker --max-duration stops claiming at the limit, exits 0, and the next worker finishes the rest', async () => {
  const box = sandbox('indexer-worker-');
  try {
    const root = path.join(box.dir, 'photos');
    await makeLibrary(root, 40, 2400);
    await scanNoExtract(box, root);
    const started = Date.now();
    const r = await box.run(['--json', 'worker', '--stages', 'thumbnail', '--threads', '1', '--max-duration', '1s'], { env: { INDEXER_THREADS: '1' } });
    const took = Date.now() - started;
    assert.equal(r.code, 0, r.stderr);
    const s = lastJson(r.stdout).extract;
    assert.equal(s.outcome, 'limit');
    assert.match(s.note, /stopped at --max-duration 1s/);
    assert.ok(s.pending > 0 && s.done < 40, `some left: ${s.done} done, ${s.pending} pending`);
    assert.ok(took < 30_000, `stopped in ${took} ms`);
    assert.equal(taskStates(box).thumbnail!.running ?? 0, 0, 'nothing left running');
    const rest = await box.run(['--json', 'worker', '--stages', 'thumbnail'], { env });
    assert.equal(rest.code, 0, rest.stderr);
    assert.equal(lastJson(rest.stdout).extract.pending, 0);
    assert.deepEqual(taskStates(box), { thumbnail: { done: 40 } });
  } finally {
    box.cleanup();
  }
});

test('worker --path-map reads files where this host sees them; the catalog keeps its paths', async () => {
  const box = sandbox('indexer-worker-');
  try {
    const scanned = path.join(box.dir, 'mnt', 'nas');
    const here = path.join(box.dir, 'Volumes', 'nas');
    await makeLibrary(path.join(scanned, 'photos'), 5, 300);
    fs.writeFileSync(path.join(scanned, 'photos', 'img-0.jpg.xmp'), '<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>');
    await scanNoExtract(box, scanned);
    fs.mkdirSync(path.dirname(here), { recursive: true });
    fs.renameSync(scanned, here);
    const r = await box.run(['--json', 'worker', ...IMAGE_STAGES, '--path-map', `/nonexistent=/elsewhere`, '--path-map', `${scanned}=${here}`], { env });
    assert.equal(r.code, 0, r.stderr);
    const s = lastJson(r.stdout).extract;
    assert.equal(s.failed, 0, r.stderr);
    assert.deepEqual(s.offlineRoots, []);
    assert.deepEqual(taskStates(box), { thumbnail: { done: 5 }, exif: { done: 5 }, xmp: { done: 5 } });
    const db = new Database(box.db, { readonly: true });
    try {
      const paths = db.prepare(`SELECT path, state FROM files ORDER BY path`).all() as { path: string; state: string }[];
      assert.ok(paths.every((p) => p.path.startsWith(scanned + '/') && p.state === 'present'), JSON.stringify(paths));
      assert.equal((db.prepare(`SELECT count(*) AS n FROM thumbnails`).get() as { n: number }).n, 5);
    } finally {
      db.close();
    }
    // A bad mapping is a usage error naming the flag, before anything runs.
    for (const bad of ['nas', '/a=', '=/b', 'rel=/b']) {
      const u = await box.run(['worker', '--path-map', bad], { env });
      assert.equal(u.code, 2, `${bad}: ${u.stderr}`);
      assert.match(u.stderr, /^indexer: --path-map '.*': .*FROM=TO/m, bad);
    }
  } finally {
    box.cleanup();
  }
});

test('worker --follow picks up what a later scan --no-extract adds, and exits cleanly on SIGTERM', { timeout: 120_000 }, async () => {
  const box = sandbox('indexer-worker-');
  try {
    const root = path.join(box.dir, 'photos');
    await makeLibrary(root, 3, 300);
    await scanNoExtract(box, root);
    const child = box.start(['--json', 'worker', '--follow', ...IMAGE_STAGES], { env });
    const result = collect(child, 100_000);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const idle = () => (stderr.match(/waiting for new work/g) ?? []).length;
    assert.ok(await waitUntil(() => idle() >= 1, 60_000), `idle after the first backlog: ${stderr}`);
    assert.deepEqual(taskStates(box), { thumbnail: { done: 3 }, exif: { done: 3 }, xmp: { done: 3 } });
    // New files, recorded by a scan that queues behind the worker if it holds the catalog at that moment.
    const more = path.join(root, 'more');
    await makeLibrary(more, 2, 320);
    await scanNoExtract(box, root, ['--wait']);
    assert.ok(
      await waitUntil(() => taskStates(box).thumbnail?.done === 5 && taskStates(box).exif?.done === 5 && idle() >= 2, 60_000),
      `the new files processed: ${JSON.stringify(taskStates(box))} ${stderr}`,
    );
    child.kill('SIGTERM');
    const r = await result;
    assert.equal(r.code, 130, r.stderr);
    const s = lastJson(r.stdout).extract;
    assert.equal(s.outcome, 'interrupted');
    assert.equal(s.done, 15);
    assert.ok(s.rounds >= 2);
    assert.ok(!fs.existsSync(`${box.db}.lock`), 'writer lock released');
    assert.deepEqual(listFiles(box.cache).filter((f) => f.endsWith('.tmp')), []);
    const status = await box.run(['status', '--json']);
    assert.equal(status.code, 0);
  } finally {
    box.cleanup();
  }
});
