/**
 * Issue 13 items 1-3, through the real CLI: a task's file that is gone from its path (the whole root renamed away,
 * or the file renamed) or replaced by other bytes between the scan and the task. Nothing fails, no attempt is spent,
 * and no file ends up showing another file's thumbnail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import Database from 'better-sqlite3';
import { lastJson, sandbox } from './helpers.js';

type Rgb = { r: number; g: number; b: number };
const red: Rgb = { r: 230, g: 20, b: 20 };
const blue: Rgb = { r: 20, g: 20, b: 230 };

function jpeg(colour: Rgb, width = 320): Promise<Buffer> {
  return sharp({ create: { width, height: 240, channels: 3, background: colour } }).jpeg({ quality: 85 }).toBuffer();
}

/** The colour a thumbnail shows: the channel that dominates its mean. */
async function thumbColour(file: string): Promise<'red' | 'blue' | 'other'> {
  const { channels } = await sharp(file).stats();
  const [r, , b] = channels.map((c) => c.mean);
  return r! > 150 && b! < 80 ? 'red' : b! > 150 && r! < 80 ? 'blue' : 'other';
}

function tasksOf(db: string) {
  const d = new Database(db, { readonly: true });
  try {
    return d
      .prepare(`SELECT f.path, f.state AS fileState, t.stage, t.state, t.attempts, t.reason FROM tasks t JOIN files f ON f.id = t.file_id ORDER BY f.path, t.stage`)
      .all() as { path: string; fileState: string; stage: string; state: string; attempts: number; reason: string | null }[];
  } finally {
    d.close();
  }
}

const stages = ['--stages', 'thumbnail,exif'];

test('a root renamed away during phase 2 goes offline, its tasks wait uncharged and run when it is back', { timeout: 120_000 }, async () => {
  const box = sandbox('indexer-root-away-');
  const root = path.join(box.dir, 'L');
  fs.mkdirSync(root, { recursive: true });
  for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(root, `p${i}.jpg`), await jpeg(red, 300 + i));
  try {
    assert.equal((await box.run(['scan', root, '--no-extract'])).code, 0);
    fs.renameSync(root, `${root}.away`);
    const resume = await box.run(['resume', ...stages, '--json']);
    assert.equal(resume.code, 0, resume.stderr);
    assert.match(resume.stderr, /root .*\/L is missing during extraction: treated as offline/);
    const away = lastJson(resume.stdout).extract;
    assert.equal(away.failed, 0, 'nothing failed');
    assert.deepEqual(away.offlineRoots, [root]);
    const status = lastJson((await box.run(['status', '--json'])).stdout);
    assert.equal(status.roots[0].online, false, 'the root is marked offline');
    assert.equal(status.stages.thumbnail.failed, 0);
    assert.equal(status.stages.thumbnail.pending, 4);

    fs.renameSync(`${root}.away`, root);
    const back = await box.run(['scan', ...stages, '--json']);
    assert.equal(back.code, 0, back.stderr);
    const rows = tasksOf(box.db);
    assert.deepEqual(rows.filter((r) => r.state !== 'done'), [], 'every task done once the root is back');
    assert.deepEqual([...new Set(rows.map((r) => r.attempts))], [1], 'the run without the root charged no attempt');
  } finally {
    box.cleanup();
  }
});

test('files renamed while their tasks are pending: no failure, the tasks run at the new path once the move is found', { timeout: 120_000 }, async () => {
  const box = sandbox('indexer-renamed-');
  const root = path.join(box.dir, 'photos');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'a.jpg'), await jpeg(red));
  fs.writeFileSync(path.join(root, 'sub', 'c.jpg'), await jpeg(blue));
  fs.writeFileSync(path.join(root, 'keep.jpg'), await jpeg(red, 400));
  try {
    assert.equal((await box.run(['scan', root, '--no-extract'])).code, 0);
    fs.renameSync(path.join(root, 'a.jpg'), path.join(root, 'b.jpg'));
    fs.renameSync(path.join(root, 'sub'), path.join(root, 'sub2'));
    const resume = await box.run(['resume', ...stages, '--json']);
    assert.equal(resume.code, 0, resume.stderr);
    assert.equal(lastJson(resume.stdout).extract.failed, 0);
    const scan = await box.run(['scan', ...stages, '--json']);
    assert.equal(scan.code, 0, scan.stderr);
    assert.equal(lastJson(scan.stdout).scan.moved, 2);
    const info = await box.run(['info', path.join(root, 'b.jpg'), '--json']);
    assert.equal(info.code, 0, info.stderr);
    assert.doesNotMatch(info.stdout, /ENOENT|failed/);
    const rows = tasksOf(box.db);
    assert.deepEqual(rows.filter((r) => r.state !== 'done'), []);
    assert.deepEqual(rows.map((r) => path.relative(root, r.path)).sort(), ['b.jpg', 'b.jpg', 'keep.jpg', 'keep.jpg', 'sub2/c.jpg', 'sub2/c.jpg']);
    assert.deepEqual([...new Set(rows.map((r) => r.attempts))], [1]);
  } finally {
    box.cleanup();
  }
});

test('a file overwritten after its scan never puts its bytes under the old identity (a shared thumbnail)', { timeout: 120_000 }, async () => {
  const box = sandbox('indexer-identity-');
  const root = path.join(box.dir, 'photos');
  const redBytes = await jpeg(red);
  const blueBytes = await jpeg(blue);
  // Same length, so the quiet overwrite below keeps size and mtime: only the identity hash can tell.
  const length = Math.max(redBytes.length, blueBytes.length);
  const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc(length - b.length)]);
  const files = { a: path.join(root, 'a', 'red.jpg'), b: path.join(root, 'b', 'red-copy.jpg'), c: path.join(root, 'c', 'red-copy2.jpg') };
  for (const f of Object.values(files)) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, pad(redBytes));
  }
  try {
    // Extract one task: the three identical files share one identity, so one thumbnail now stands for all three.
    const first = await box.run(['scan', root, '--stages', 'thumbnail', '--max-tasks', '1', '--threads', '1', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const done = tasksOf(box.db).filter((r) => r.state === 'done').map((r) => r.path);
    assert.equal(done.length, 1);
    const [first1, other1, other2] = [done[0]!, ...Object.values(files).filter((f) => f !== done[0])] as [string, string, string];
    fs.writeFileSync(other1, pad(blueBytes)); // a plain overwrite: new mtime
    const st = fs.statSync(other2);
    fs.writeFileSync(other2, pad(blueBytes)); // a quiet one: same size, mtime put back
    fs.utimesSync(other2, st.atime, st.mtime);

    for (const args of [['resume', '--stages', 'thumbnail'], ['scan', '--stages', 'thumbnail'], ['scan', '--stages', 'thumbnail']]) {
      const r = await box.run([...args, '--json']);
      assert.equal(r.code, 0, r.stderr);
    }
    const d = new Database(box.db, { readonly: true });
    const thumbs = d.prepare(`SELECT f.path, t.thumb_path AS thumb FROM thumbnails t JOIN files f ON f.id = t.file_id`).all() as { path: string; thumb: string }[];
    d.close();
    const colourOf = async (file: string) => thumbColour(thumbs.find((t) => t.path === file)!.thumb);
    assert.equal(thumbs.length, 3);
    assert.equal(await colourOf(first1), 'red', 'the file extracted first still shows its own (red) thumbnail');
    assert.equal(await colourOf(other1), 'blue');
    assert.equal(await colourOf(other2), 'blue');
    assert.deepEqual(tasksOf(box.db).filter((r) => r.state !== 'done'), []);
  } finally {
    box.cleanup();
  }
});
