/**
 * One writer per PostgreSQL catalog: a session advisory lock on the writer's connection. A second writer gets exit 75
 * naming the holder (or waits with --wait, interruptible); a holder killed with SIGKILL frees it at once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { acquirePgWriterLock } from '../../src/catalog/lock-pg.js';
import { openCatalog } from '../../src/catalog/open.js';
import type { PgDb } from '../../src/catalog/pg/pg-db.js';
import { withWriterCatalog } from '../../src/cli/writer-session.js';
import { UserError } from '../../src/errors.js';
import { systemClock } from '../../src/types.js';
import { PG_SKIP, freshPgDatabase } from '../helpers/pg.js';
import { repoRoot } from '../e2e/helpers.js';

const open = (url: string) => openCatalog(url) as unknown as PgDb;

describe('PostgreSQL writer lock', { skip: PG_SKIP }, () => {
  it('a second writer gets exit 75 naming pid and host; with --wait it goes on once the first lets go', async (t) => {
    const url = freshPgDatabase(t);
    const first = open(url);
    t.after(() => void first.close());
    const release = await acquirePgWriterLock(first, { wait: false });
    await assert.rejects(
      withWriterCatalog(url, { wait: false, clock: systemClock }, () => assert.fail('must not run')),
      (e: unknown) => e instanceof UserError && e.code === 75 && e.message === `another indexer (pid ${process.pid} on host ${os.hostname()}) is using ${url}; add --wait to wait for it`,
    );
    const notices: string[] = [];
    let ran = false;
    const waiting = withWriterCatalog(url, { wait: true, clock: systemClock, notice: (m) => notices.push(m) }, () => (ran = true));
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(ran, false, 'it waits while the lock is held');
    release();
    await waiting;
    assert.equal(ran, true);
    assert.deepEqual(notices, [`another indexer (pid ${process.pid} on host ${os.hostname()}) is using ${url} (waiting for it)`]);
  });

  it('waiting ends with exit 130 when interrupted', async (t) => {
    const url = freshPgDatabase(t);
    const [a, b] = [open(url), open(url)];
    t.after(() => void (a.close(), b.close()));
    await acquirePgWriterLock(a, { wait: false });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    await assert.rejects(acquirePgWriterLock(b, { wait: true, signal: abort.signal }), (e: unknown) => e instanceof UserError && e.code === 130);
  });

  it('a writer killed with SIGKILL leaves no lock behind', { timeout: 30_000 }, async (t) => {
    const url = freshPgDatabase(t);
    open(url).close();
    const code = `const o = await import('${path.join(repoRoot, 'dist/src/catalog/open.js')}'); const l = await import('${path.join(repoRoot, 'dist/src/catalog/lock-pg.js')}');
      const db = o.openCatalog(process.argv[1]); await l.acquirePgWriterLock(db, { wait: false }); console.log('held'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => void child.kill('SIGKILL'));
    await new Promise<void>((resolve) => child.stdout!.on('data', (d) => String(d).includes('held') && resolve()));
    const db = open(url);
    t.after(() => void db.close());
    await assert.rejects(acquirePgWriterLock(db, { wait: false }), (e: unknown) => e instanceof UserError && e.code === 75 && e.message.includes(`pid ${child.pid} on host`));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const release = await acquirePgWriterLock(db, { wait: true });
    release();
  });

  it('retry and cancel (mustExist) refuse a database holding no catalog, creating nothing', async (t) => {
    const url = freshPgDatabase(t);
    await assert.rejects(
      withWriterCatalog(url, { wait: false, clock: systemClock, mustExist: true }, () => assert.fail('must not run')),
      (e: unknown) => e instanceof UserError && e.code === 2 && e.message === `no catalog at ${url}: run 'indexer scan ROOT' first`,
    );
    assert.throws(() => openCatalog(url, { readonly: true }), /no catalog at/);
  });
});
