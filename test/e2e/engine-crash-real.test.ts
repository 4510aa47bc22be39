/**
 * The crash test with real work: the thumbnail and exif stages on generated JPEGs, the CLI SIGKILLed at random
 * moments, then resumed until done. One thumbnail row and one exif row per file, every cached thumbnail and
 * preview referenced by the catalog (no orphans), no temp file left by a kill once a run recovered (they are counted
 * after each kill), PRAGMA integrity_check ok.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import Database from 'better-sqlite3';
import { collect, lastJson, sandbox } from './helpers.js';

const FILES = 60;
const KILLS = 8;

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

test('real stages survive random SIGKILLs: each file thumbnailed and read once, no orphan in the cache', { timeout: 180_000 }, async () => {
  const box = sandbox('indexer-crash-real-');
  const root = path.join(box.dir, 'photos');
  fs.mkdirSync(root, { recursive: true });
  for (let i = 0; i < FILES; i++) {
    const color = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 };
    await sharp({ create: { width: 1600 + i, height: 1200, channels: 3, background: color } })
      .jpeg({ quality: 80 })
      .toFile(path.join(root, `img-${i}.jpg`));
  }
  const env = { INDEXER_THREADS: '2' };
  const stages = ['--stages', 'thumbnail,exif'];
  const outcomes: string[] = [];
  let tempsSeen = 0;
  try {
    for (let k = 0; k < KILLS; k++) {
      const args = k % 2 === 0 ? ['scan', root, ...stages, '--json'] : ['resume', ...stages, '--json'];
      const child = box.start(args, { env });
      const done = collect(child, 60_000);
      const timer = setTimeout(() => child.kill('SIGKILL'), 250 + Math.floor(Math.random() * 1000));
      const r = await done;
      clearTimeout(timer);
      outcomes.push(r.signal ?? `exit ${r.code}`);
      // Temp files in the cache after this run (each one a kill mid-write, or one left from before not yet swept).
      tempsSeen = Math.max(tempsSeen, listFiles(box.cache).filter((f) => f.endsWith('.tmp')).length);
      const nothingYet = r.code === 2 && /no catalog at/.test(r.stderr);
      assert.ok(r.signal === 'SIGKILL' || r.code === 0 || nothingYet, `${args[0]} ended ${r.code}: ${r.stderr}`);
    }
    const scan = await box.run(['scan', root, ...stages, '--json'], { env });
    assert.equal(scan.code, 0, scan.stderr);
    let summary = lastJson(scan.stdout).extract;
    for (let i = 0; i < 5 && summary.pending > 0; i++) summary = lastJson((await box.run(['resume', ...stages, '--json'], { env })).stdout).extract;
    assert.equal(summary.pending, 0);
    // Kills that kept landing while the same file ran alone can quarantine it, as they would a poison file: the
    // user's way back is `retry`, then `resume`.
    const retried = lastJson((await box.run(['retry', '--json'], { env })).stdout).retried as number;
    if (retried > 0) {
      summary = lastJson((await box.run(['resume', ...stages, '--json'], { env })).stdout).extract;
      outcomes.push(`retried ${retried}`);
    }

    const db = new Database(box.db, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const failures = db.prepare(`SELECT stage, attempts, reason FROM tasks WHERE state <> 'done'`).all();
      assert.deepEqual(failures, [], `${outcomes.join(', ')}`);
      const states = db.prepare(`SELECT stage, state, count(*) n FROM tasks GROUP BY stage, state ORDER BY stage`).all();
      assert.deepEqual(states, [
        { stage: 'exif', state: 'done', n: FILES },
        { stage: 'thumbnail', state: 'done', n: FILES },
      ]);
      const thumbs = db.prepare(`SELECT thumb_path AS t, preview_path AS p FROM thumbnails`).all() as { t: string; p: string }[];
      assert.equal(thumbs.length, FILES);
      assert.equal((db.prepare(`SELECT count(*) n FROM exif`).get() as { n: number }).n, FILES);
      const referenced = new Set(thumbs.flatMap((r) => [r.t, r.p]));
      assert.equal(referenced.size, FILES * 2, 'distinct outputs per file');
      const cached = listFiles(box.cache);
      assert.deepEqual(cached.filter((f) => f.endsWith('.tmp')), [], `no temp file left (at most ${tempsSeen} seen between kills)`);
      assert.deepEqual(cached.filter((f) => !referenced.has(f)), [], 'no orphan in the cache');
      for (const f of referenced) assert.ok(fs.existsSync(f), `${f} exists`);
      console.log(`temp files seen between kills (most at once): ${tempsSeen}; runs: ${outcomes.join(', ')}; then ${JSON.stringify(db.prepare('SELECT outcome, count(*) n FROM runs GROUP BY outcome').all())}`);
    } finally {
      db.close();
    }
  } finally {
    box.cleanup();
  }
});
