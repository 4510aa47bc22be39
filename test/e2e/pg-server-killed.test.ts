/**
 * The PostgreSQL server SIGKILLed (no SQLSTATE reaches the client, only a dropped socket) under a one-shot
 * `indexer resume` and an `indexer worker`: the resume ends with one line naming the catalog and saying to run
 * `indexer resume` once the server is back; the worker reconnects with backoff and finishes after the restart; every
 * (file, stage) is done exactly once, no attempt charged for the outage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PgDb } from '../../src/catalog/pg/pg-db.js';
import { findPgBin, startPgServer, type PgServer } from '../../scripts/pg-server.js';
import { collect, lastJson, runCli, startCli } from './helpers.js';
import { makeLibrary, waitUntil } from './worker-helpers.js';
import { restartPgServer } from './pg-restart.js';

const FILES = 16;

function count(url: string, sql: string): number {
  try {
    const db = new PgDb(url);
    try {
      return Number((db.prepare(sql).get() as { n: unknown }).n);
    } finally {
      db.close();
    }
  } catch {
    return -1;
  }
}

/** Kills the postmaster with SIGKILL (no shutdown message to any client), then waits for its backends to go. */
async function killPostmaster(server: PgServer): Promise<void> {
  const pid = Number(fs.readFileSync(path.join(server.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  // Taken first: once the postmaster is gone its children belong to init.
  const children = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && ppidOf(p) === pid);
  process.kill(pid, 'SIGKILL');
  // Its backends notice the postmaster's death and exit; the server cannot start again while one holds shared memory.
  await waitUntil(() => children.every((p) => !fs.existsSync(`/proc/${p}`)), 30_000);
}

function ppidOf(pid: string): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
  } catch {
    return -1;
  }
}

async function restart(server: PgServer): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      restartPgServer(server);
      return;
    } catch (err) {
      if (tries >= 10) throw err;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

test('PostgreSQL SIGKILLed under `indexer resume` and a worker: resume ends with one line saying to resume once it is back, the worker rides it out; each task done once', { skip: findPgBin() && fs.existsSync('/proc/self/stat') ? false : 'PostgreSQL is not installed', timeout: 240_000 }, async () => {
  const server = await startPgServer();
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'indexer-pg-killed-'));
  try {
    const url = server.url;
    const root = path.join(dir, 'photos');
    await makeLibrary(root, FILES, 1600);
    const g = ['--db', url, '--cache-dir', path.join(dir, 'cache')];
    const scan = await runCli([...g, 'scan', '--no-extract', root]);
    assert.equal(scan.code, 0, scan.stderr);
    const phase2 = ['--stages', 'thumbnail,exif', '--threads', '1'];
    const resume = collect(startCli([...g, '--quiet', 'resume', ...phase2]), 200_000);
    const worker = collect(startCli([...g, '--json', 'worker', ...phase2]), 200_000);
    assert.ok(await waitUntil(() => count(url, `SELECT count(*) AS n FROM tasks WHERE state = 'done'`) >= 2, 120_000), 'work under way');
    await killPostmaster(server);
    const r = await resume;
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${r.stderr}`);
    assert.match(lines[0]!, /^indexer: catalog postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres: lost the PostgreSQL catalog at .*; its server cannot be reached; work committed so far is kept: run 'indexer resume' once it is back$/);
    assert.doesNotMatch(r.stderr, /unexpected failure|\n\s+at /);

    await restart(server);
    const w = await worker;
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stderr, /lost the catalog server .*connecting again in \d+s/);
    assert.match(w.stderr, /the catalog server is back; going on/);
    const again = await runCli([...g, '--json', 'resume', ...phase2], { timeoutMs: 200_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(lastJson(again.stdout).extract.failed ?? 0, 0);
    const db = new PgDb(url);
    try {
      const rows = db.prepare(`SELECT stage, state, attempts, count(*) AS n FROM tasks WHERE stage IN ('thumbnail', 'exif') GROUP BY 1, 2, 3 ORDER BY 1`).all();
      assert.deepEqual(rows.map((x: any) => [x.stage, x.state, Number(x.attempts), Number(x.n)]), [['exif', 'done', 1, FILES], ['thumbnail', 'done', 1, FILES]], 'each (file, stage) done once, no attempt charged for the outage');
      assert.equal(Number((db.prepare(`SELECT count(*) AS n FROM thumbnails`).get() as any).n), FILES);
      const [commits] = db.prepare(`SELECT sum(done) AS done FROM runs`).all() as any[];
      assert.equal(Number(commits.done), FILES * 2, 'done committed once per task (run counts)');
    } finally {
      db.close();
    }
  } finally {
    try {
      server.stop();
    } catch {
      // a failed assertion may leave the server killed: its folder still goes
      fs.rmSync(server.dir, { recursive: true, force: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
