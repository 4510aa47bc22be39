/**
 * Issue 13 item 6: the catalog's disk fills up during phase 2 (a small tmpfs holds the catalog). The run exits 1 with
 * one line naming the catalog, leaves no task running, its recorded counts match what was committed, and a resume
 * with room again finishes everything. Needs root (mount); skipped elsewhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { lastJson, runCli } from './helpers.js';
import { RESERVE_BYTES } from '../../src/catalog/reserve.js';
import os from 'node:os';
import { canMount, freeBytes, mountTmpfs, unmount, writeCatalogHeavyPhotos } from './tmpfs.js';

const FILES = 160;
const DISK_FULL_RUNS = 3;

test('catalog disk full in phase 2: exit 1 with one line naming the catalog, nothing left running, resume finishes', { skip: !canMount && 'needs root to mount a tmpfs', timeout: 240_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-disk-full-'));
  const disk = path.join(dir, 'disk');
  const db = path.join(disk, 'catalog.db');
  const filler = path.join(disk, 'filler');
  const root = path.join(dir, 'photos');
  fs.mkdirSync(root, { recursive: true });
  await writeCatalogHeavyPhotos(root, FILES);
  assert.ok(mountTmpfs(disk, '8m'));
  const run = (args: string[]) => runCli(['--db', db, '--cache-dir', path.join(dir, 'cache'), ...args], { timeoutMs: 120_000 });
  const query = <T>(sql: string): T[] => {
    const d = new Database(db, { readonly: true });
    try {
      return d.prepare(sql).all() as T[];
    } finally {
      d.close();
    }
  };
  const stages = ['--stages', 'thumbnail,exif'];
  const figures: string[] = [];
  try {
    assert.equal((await run(['scan', root, '--no-extract', '-q'])).code, 0);
    let fullRuns = 0;
    for (let k = 0; k < DISK_FULL_RUNS; k++) {
      // Leave the catalog a little room: its WAL grows with every batch of results until the disk is full.
      fs.rmSync(filler, { force: true });
      const keep = [48, 96, 160][k]! * 1024 + RESERVE_BYTES; // phase 2 takes its reserve first, then fills up
      fs.writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes(disk) - keep)));
      const r = await run(['resume', ...stages, '-q']);
      const done = query<{ n: number }>(`SELECT count(*) n FROM tasks WHERE state = 'done'`)[0]!.n;
      figures.push(`run ${k}: exit ${r.code}, ${done} done`);
      if (r.code === 0) break; // it all fitted: nothing left to fill up
      fullRuns++;
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, new RegExp(`^indexer: catalog ${db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*full`));
      assert.deepEqual(query(`SELECT stage, attempts FROM tasks WHERE state = 'running'`), [], 'no lease left behind');
      assert.deepEqual(query(`SELECT stage, reason FROM tasks WHERE state = 'failed'`), [], 'no file blamed');
      const recorded = query<{ done: number }>(`SELECT coalesce(sum(done), 0) AS done FROM runs`)[0]!.done;
      assert.equal(recorded, done, 'the runs count only what was committed');
    }
    assert.ok(fullRuns >= 1, `the disk filled up at least once (${figures.join('; ')})`);
    fs.rmSync(filler, { force: true });
    const fin = await run(['resume', ...stages, '--json']);
    assert.equal(fin.code, 0, fin.stderr);
    assert.equal(lastJson(fin.stdout).extract.pending, 0);
    const states = query<{ stage: string; state: string; n: number }>(`SELECT stage, state, count(*) n FROM tasks GROUP BY stage, state ORDER BY stage`);
    assert.deepEqual(states, [
      { stage: 'exif', state: 'done', n: FILES },
      { stage: 'thumbnail', state: 'done', n: FILES },
    ]);
    assert.deepEqual(query(`SELECT stage, attempts FROM tasks WHERE attempts <> 1`), [], 'no attempt charged for a full disk');
    assert.equal(query<{ n: number }>(`SELECT count(*) n FROM exif`)[0]!.n, FILES);
    console.log(`disk-full runs: ${fullRuns}; ${figures.join('; ')}`);
  } finally {
    unmount(disk);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
