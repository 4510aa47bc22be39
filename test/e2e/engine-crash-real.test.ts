/**
 * The crash test with real work: the thumbnail and exif stages on generated JPEGs, the CLI SIGKILLed at random
 * moments, then resumed until done. While some resumes run, the whole root is renamed away (and back, during the
 * run or after it) and files are renamed. At the end: no failed task, one thumbnail row and one exif row per file,
 * each matching its own file's bytes (identity, pixel size, colour), every cached thumbnail and preview referenced
 * by the catalog (no orphans), no temp file left by a kill once a run recovered (they are counted after each
 * kill), PRAGMA integrity_check ok.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import Database from 'better-sqlite3';
import { collect, lastJson, sandbox } from './helpers.js';

const FILES = 60;
const KILLS = 12;

/** What happens to the tree while resume k runs (odd k only: an explicit `scan ROOT` refuses a missing root). */
const disruptions: Record<number, 'root away and back' | 'root away' | 'rename files'> = {
  3: 'root away and back',
  5: 'rename files',
  7: 'root away',
  9: 'rename files',
};

type Child = { pid?: number; exitCode: number | null; signalCode: string | null };

/** Resolves once `ready()` holds or the child ended (polled every 50 ms, for at most 30 s). */
async function waitFor(ready: () => boolean, child: Child): Promise<void> {
  for (let i = 0; i < 600 && child.exitCode === null && child.signalCode === null && !ready(); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves once the catalog shows a task running in this child (or the child ended). */
function waitForRunningTask(db: string, child: Child): Promise<void> {
  return waitFor(() => {
    if (!fs.existsSync(db)) return false;
    const d = new Database(db, { readonly: true, timeout: 1000 });
    try {
      const hasTasks = d.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'tasks'`).get();
      return !!hasTasks && !!d.prepare(`SELECT 1 FROM tasks WHERE state = 'running' AND lease_pid = ? LIMIT 1`).get(child.pid);
    } finally {
      d.close();
    }
  }, child);
}

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
  // Current name -> the index its pixels were made from (renames move the key).
  const made = new Map<string, number>(Array.from({ length: FILES }, (_, i) => [`img-${i}.jpg`, i]));
  let renamed = 0;
  const renameSome = (count: number) => {
    for (const name of [...made.keys()].filter((n) => n.startsWith('img-')).slice(0, count)) {
      fs.renameSync(path.join(root, name), path.join(root, `moved-${name}`));
      made.set(`moved-${name}`, made.get(name)!);
      made.delete(name);
      renamed++;
    }
  };
  const away = `${root}.away`;
  try {
    for (let k = 0; k < KILLS; k++) {
      const args = k % 2 === 0 ? ['scan', root, ...stages, '--json'] : ['resume', ...stages, '--json'];
      const child = box.start(args, { env });
      const done = collect(child, 60_000);
      const disruption = disruptions[k];
      // A scan is killed at any moment once the catalog exists (on a loaded machine it may need seconds to get there);
      // a resume once its tasks run, after the tree was changed under it for some.
      let timer: NodeJS.Timeout | undefined;
      const killSoon = (base: number) => (timer = setTimeout(() => child.kill('SIGKILL'), base + Math.floor(Math.random() * 1000)));
      const disrupted =
        k % 2 === 0
          ? waitFor(() => fs.existsSync(box.db), child).then(() => killSoon(250))
          : waitForRunningTask(box.db, child).then(async () => {
              if (disruption === 'rename files') renameSome(4);
              else if (disruption) fs.renameSync(root, away);
              killSoon(100);
              if (disruption === 'root away and back') {
                await new Promise((r) => setTimeout(r, 100));
                fs.renameSync(away, root);
              }
            });
      const r = await done;
      await disrupted;
      if (disruption === 'root away') fs.renameSync(away, root);
      clearTimeout(timer);
      outcomes.push(`${r.signal ?? `exit ${r.code}`}${disruption ? ` (${disruption})` : ''}`);
      // Temp files in the cache after this run (each one a kill mid-write, or one left from before not yet swept).
      tempsSeen = Math.max(tempsSeen, listFiles(box.cache).filter((f) => f.endsWith('.tmp')).length);
      const nothingYet = r.code === 2 && /no catalog at/.test(r.stderr);
      assert.ok(r.signal === 'SIGKILL' || r.code === 0 || nothingYet, `${args[0]} ended ${r.code}: ${r.stderr}`);
    }
    const scan = await box.run(['scan', root, ...stages, '--json'], { env });
    assert.equal(scan.code, 0, `${scan.signal} ${scan.stderr} after ${outcomes.join(", ")}`);
    let summary = lastJson(scan.stdout).extract;
    for (let i = 0; i < 5 && summary.pending > 0; i++) summary = lastJson((await box.run(['resume', ...stages, '--json'], { env })).stdout).extract;
    assert.equal(summary.pending, 0);
    // Outside kills never quarantine a file, whatever ran when they landed: nothing to retry.
    assert.equal(lastJson((await box.run(['retry', '--json'], { env })).stdout).retried, 0, outcomes.join(', '));

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
      // Every file's outputs are its own: identity of its current bytes, its pixel size, its colour (and it has exif).
      const rows = db
        .prepare(
          `SELECT f.path, f.identity, t.identity AS thumbIdentity, t.width, t.thumb_path AS thumb
           FROM files f JOIN thumbnails t ON t.file_id = f.id JOIN exif e ON e.file_id = f.id WHERE f.state = 'present'`,
        )
        .all() as { path: string; identity: string; thumbIdentity: string; width: number; thumb: string }[];
      assert.equal(rows.length, FILES);
      for (const row of rows) {
        const i = made.get(path.basename(row.path));
        assert.ok(i !== undefined, `${row.path} is a file of the tree`);
        assert.equal(row.thumbIdentity, row.identity, row.path);
        assert.equal(row.width, 1600 + i, row.path);
        const means = (await sharp(row.thumb).stats()).channels.map((c) => c.mean);
        const want = [(i * 37) % 256, (i * 91) % 256, (i * 53) % 256];
        assert.ok(means.slice(0, 3).every((m, c) => Math.abs(m - want[c]!) < 8), `${row.path}: thumbnail colour ${means} is its own ${want}`);
      }
      console.log(`temp files seen between kills (most at once): ${tempsSeen}; kills: ${outcomes.filter((o) => o.startsWith('SIGKILL')).length} of ${KILLS} runs; files renamed: ${renamed}; runs: ${outcomes.join(', ')}; then ${JSON.stringify(db.prepare('SELECT outcome, count(*) n FROM runs GROUP BY outcome').all())}`);
    } finally {
      db.close();
    }
  } finally {
    box.cleanup();
  }
});
