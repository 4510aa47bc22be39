/**
 * One measurement of the engine benchmark, in its own process so its peak RSS is its own.
 * `node engine-child.js engine N`: N files, the trivial test stage through runPhase2 (catalog, claims, commits).
 * `node engine-child.js bare N`: the same worker module on the same pool, same in-flight depth, no catalog at all.
 * Prints one JSON line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openCatalog } from '../src/catalog/open.js';
import { runPhase2 } from '../src/tasks/phase2.js';
import { createWorkerPool } from '../src/tasks/pool.js';
import { silentEvents } from '../src/tasks/events.js';
import { systemClock } from '../src/types.js';
import type { TaskInput } from '../src/extract/stage.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const stagesModule = path.resolve(here, '..', 'test', 'fixtures-stages', 'stages.js');
const workerModule = pathToFileURL(path.resolve(here, '..', 'test', 'fixtures-stages', 'workers.js')).href;
const [mode, nText, threadsText] = process.argv.slice(2);
const n = Number(nText);
const threads = Number(threadsText ?? os.availableParallelism());

async function engine(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-bench-engine-'));
  const file = path.join(dir, 'catalog.db');
  const db = openCatalog(file);
  const root = Number(db.prepare(`INSERT INTO roots (path, added_at) VALUES ('/bench', 0)`).run().lastInsertRowid);
  const insert = db.prepare(
    `INSERT INTO files (root_id, path, kind, ext, size, mtime_ms, ino, dev, identity, first_seen, last_seen)
     VALUES (?, ?, 'image', 'jpg', 1000, 0, '1', 1, ?, 0, 0)`,
  );
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(root, `/bench/${i}.jpg`, `id${i}`);
  })();
  const env = { ...process.env, INDEXER_EXTRA_STAGES: stagesModule, INDEXER_THREADS: String(threads) };
  const t0 = performance.now();
  const r = await runPhase2(
    {
      db,
      catalogPath: file,
      cacheDir: path.join(dir, 'cache'),
      cli: { env, clock: systemClock, stdout: process.stdout, stderr: process.stderr },
      opts: { stages: 'trivial', quiet: true },
      signal: new AbortController().signal,
    },
    { events: silentEvents, command: 'bench' },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (r.summary.done !== n) throw new Error(`engine finished ${String(r.summary.done)} of ${n}`);
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return seconds;
}

async function bare(): Promise<number> {
  const pool = createWorkerPool(threads);
  const depth = threads * 2;
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      const input: TaskInput = {
        taskId: i, fileId: i, stage: 'trivial', path: `/bench/${i}.jpg`, kind: 'image', ext: 'jpg', size: 1000,
        mtimeMs: 0, identity: `id${i}`, sidecarPath: null, cacheDir: '/tmp', options: { env: {} },
      };
      const res = await pool.run({ workerModule, input }, new AbortController().signal);
      if (!('outcome' in res) || res.outcome.status !== 'done') throw new Error('bare task failed');
    }
  };
  await Promise.all(Array.from({ length: depth }, lane));
  const seconds = (performance.now() - t0) / 1000;
  await pool.close();
  return seconds;
}

const seconds = mode === 'engine' ? await engine() : await bare();
console.log(JSON.stringify({ mode, n, threads, seconds, tasksPerSecond: n / seconds, maxRssKb: process.resourceUsage().maxRSS }));
