/**
 * The PostgreSQL server SIGKILLed under a one-shot `indexer resume` (no SQLSTATE reaches the client, only a dropped
 * socket): the run ends with one line naming the catalog and saying to run `indexer resume` once the server is back;
 * after a restart, `indexer resume` finishes and every (file, stage) is done exactly once.
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
  process.kill(pid, 'SIGKILL');
  // Its backends notice the postmaster's death and exit; the server cannot start again while one holds shared memory.
  await waitUntil(() => !fs.readdirSync('/proc').some((p) => /^\d+$/.test(p) && ppidOf(p) === pid), 30_000);
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

test('PostgreSQL SIGKILLed under `indexer resume`: one line saying to resume once it is back; resume then finishes, each task done once', { skip: findPgBin() && fs.existsSync('/proc/self/stat') ? false : 'PostgreSQL is not installed', timeout: 240_000 }, async () => {
  const server = await startPgServer();
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'indexer-pg-killed-'));
  try {
    const url = server.url;
    const root = path.join(dir, 'photos');
    await makeLibrary(root, FILES, 1600);
    const g = ['--db', url, '--cache-dir', path.join(dir, 'cache')];
    const scan = await runCli([...g, 'scan', '--no-extract', root]);
    assert.equal(scan.code, 0, scan.stderr);
    const resume = startCli([...g, '--quiet', 'resume', '--stages', 'thumbnail,exif', '--threads', '1']);
    const ended = collect(resume, 200_000);
    assert.ok(await waitUntil(() => count(url, `SELECT count(*) AS n FROM tasks WHERE state = 'done'`) >= 2, 120_000), 'work under way');
    await killPostmaster(server);
    const r = await ended;
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${r.stderr}`);
    assert.match(lines[0]!, /^indexer: catalog postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres: lost the PostgreSQL catalog at .*; its server cannot be reached; work committed so far is kept: run 'indexer resume' once it is back$/);
    assert.doesNotMatch(r.stderr, /unexpected failure|\n\s+at /);

    await restart(server);
    const again = await runCli([...g, '--json', 'resume', '--stages', 'thumbnail,exif', '--threads', '1'], { timeoutMs: 200_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(lastJson(again.stdout).extract.failed ?? 0, 0);
    const db = new PgDb(url);
    try {
      const rows = db.prepare(`SELECT stage, state, attempts, count(*) AS n FROM tasks WHERE stage IN ('thumbnail', 'exif') GROUP BY 1, 2, 3 ORDER BY 1`).all();
      assert.deepEqual(rows.map((x: any) => [x.stage, x.state, Number(x.attempts), Number(x.n)]), [['exif', 'done', 1, FILES], ['thumbnail', 'done', 1, FILES]], 'each (file, stage) done once, no attempt charged for the outage');
      assert.equal(Number((db.prepare(`SELECT count(*) AS n FROM thumbnails`).get() as any).n), FILES);
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
