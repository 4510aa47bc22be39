/**
 * Issue 11 end to end: the same library scanned through the real CLI into a SQLite file and into a fresh PostgreSQL
 * database gives the same status counts, the same info and the same search results; resume, retry and cancel answer
 * the same on both; a second writer on the PostgreSQL catalog gets exit 75.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openCatalog } from '../../src/catalog/open.js';
import type { PgDb } from '../../src/catalog/pg/pg-db.js';
import { acquirePgWriterLock } from '../../src/catalog/lock-pg.js';
import { PG_SKIP, freshPgDatabase } from '../helpers/pg.js';
import { repoRoot, runCli } from './helpers.js';

const photos = path.join(repoRoot, 'fixtures', 'photos');
const model = path.join(repoRoot, 'fixtures', 'models', 'tiny-clip');

/** Times, durations, rates and where each catalog keeps its files differ between two runs; nothing else may. */
const volatile = /^(startedAt|endedAt|addedAt|lastScanAt|durationMs|tasksPerSecond|throughput|etaSeconds|catalog|cache|firstSeen|lastSeen|updatedAt|createdAt|thumbPath|previewPath)$/;
function normalized(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalized);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !volatile.test(k)).map(([k, v]) => [k, normalized(v)]));
  }
  return value;
}

describe('PostgreSQL catalog through the CLI', { skip: PG_SKIP }, () => {
  it('scan, status, info, search, resume, retry and cancel give what the SQLite catalog gives', { timeout: 300_000 }, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-e2e-'));
    const env = { XDG_DATA_HOME: path.join(dir, 'data'), XDG_CACHE_HOME: path.join(dir, 'xdg-cache') };
    const targets = { sqlite: path.join(dir, 'catalog.db'), postgres: freshPgDatabase(t) };
    const run = (which: keyof typeof targets, args: string[]) =>
      runCli(['--db', targets[which], '--cache-dir', path.join(dir, `cache-${which}`), ...args], { env, cwd: dir });
    const both = async (args: string[]) => {
      const [lite, pg] = [await run('sqlite', args), await run('postgres', args)];
      assert.equal(lite.code, 0, `sqlite ${args.join(' ')}: ${lite.stderr}`);
      assert.equal(pg.code, 0, `postgres ${args.join(' ')}: ${pg.stderr}`);
      return { lite, pg };
    };

    await both(['scan', photos, '--model', model, '--device', 'cpu']);
    const status = await both(['--json', 'status']);
    const [liteStatus, pgStatus] = [JSON.parse(status.lite.stdout), JSON.parse(status.pg.stdout)];
    assert.equal(pgStatus.files.present, 6);
    assert.ok(Object.values(pgStatus.stages as Record<string, { done: number }>).every((s) => s.done > 0), 'every stage did work');
    assert.deepEqual(normalized(pgStatus), normalized(liteStatus));

    const search = await both(['--json', 'search', 'green forest', '-n', '3']);
    const pgHits = JSON.parse(search.pg.stdout) as Array<{ path: string; score: number }>;
    assert.equal(pgHits.length, 3);
    assert.equal(path.basename(pgHits[0]!.path), 'forest.jpg');
    assert.deepEqual(pgHits, JSON.parse(search.lite.stdout));

    const info = await both(['--json', 'info', path.join(photos, 'forest.jpg')]);
    assert.deepEqual(normalized(JSON.parse(info.pg.stdout)), normalized(JSON.parse(info.lite.stdout)));

    const untimed = (text: string) => text.replace(/ in [\d.]+m?s \([^)]*\)/g, ' in T');
    for (const args of [['resume'], ['retry'], ['cancel']]) {
      const r = await both(args);
      assert.equal(untimed(r.pg.stdout), untimed(r.lite.stdout), args[0]);
    }
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('postgres')), [], 'no file or folder named after the URL');

    // One writer per catalog on PostgreSQL too: a scan while another process holds the lock exits 75.
    const holder = openCatalog(targets.postgres) as unknown as PgDb;
    t.after(() => void holder.close());
    const release = await acquirePgWriterLock(holder, { wait: false });
    const busy = await run('postgres', ['scan', photos]);
    assert.equal(busy.code, 75, busy.stderr);
    assert.match(busy.stderr, /another indexer \(pid \d+ on host .*\) is using postgres:\/\/.*; add --wait to wait for it/);
    release();
  });
});
