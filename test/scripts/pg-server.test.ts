/**
 * The test harness's PostgreSQL (issue 11): scripts/pg-server.ts starts a throwaway server and always cleans up
 * (stop, SIGTERM of its CLI), and scripts/test-run.ts (`npm test`) fails loudly in CI without PostgreSQL and stops
 * its server when the tests fail.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import '../temp.js';
import { PgDb } from '../../src/catalog/pg/pg-db.js';
import { findPgBin, startPgServer } from '../../scripts/pg-server.js';
import { repoRoot } from '../e2e/helpers.js';

const NO_PG = findPgBin() ? false : 'PostgreSQL is not installed here (no initdb/pg_ctl)';
const script = (name: string) => path.join(repoRoot, 'dist', 'scripts', name);

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

describe('scripts/pg-server', { skip: NO_PG }, () => {
  it('starts a server that answers queries; stop() ends it and removes its folder', async () => {
    const server = await startPgServer();
    const db = new PgDb(server.url);
    assert.equal(db.prepare('SELECT current_user AS u').get()!.u, 'postgres');
    db.close();
    assert.ok(fs.existsSync(server.dir));
    server.stop();
    assert.ok(!fs.existsSync(server.dir), 'its temp folder is gone');
    assert.ok(await portIsClosed(server.port), 'nothing listens on its port any more');
  });

  it('the CLI prints the URL and stays up; SIGTERM stops the server and leaves no temp folder', { timeout: 60_000 }, async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgcli-'));
    fs.chmodSync(tmp, 0o755);
    const child = spawn(process.execPath, [script('pg-server.js')], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`pg-server exited ${code}`)));
    });
    assert.match(url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const db = new PgDb(url);
    assert.equal(db.prepare('SELECT 1 + 1 AS two').pluck().get(), 2);
    db.close();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 143);
    assert.deepEqual(fs.readdirSync(tmp), [], 'the server folder is removed');
    assert.ok(await portIsClosed(Number(new URL(url).port)));
  });

  it('test-run stops its server and removes its folder when the tests fail', { timeout: 120_000 }, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'testrun-'));
    fs.chmodSync(tmp, 0o755);
    const seen = path.join(tmp, 'seen-url');
    const failing = path.join(tmp, 'fails.test.mjs');
    fs.writeFileSync(
      failing,
      `import fs from 'node:fs'; import test from 'node:test';
       test('fails on purpose', () => { fs.writeFileSync(${JSON.stringify(seen)}, process.env.INDEXER_TEST_PG ?? ''); throw new Error('on purpose'); });`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
    delete env.INDEXER_TEST_PG;
    delete env.NODE_TEST_CONTEXT; // else the inner node --test reports to ours instead of setting its exit code
    const r = spawnSync(process.execPath, [script('test-run.js'), failing], { env, encoding: 'utf8', cwd: repoRoot });
    assert.notEqual(r.status, 0, 'the failing test fails the run');
    const url = fs.readFileSync(seen, 'utf8');
    assert.match(url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/, 'the tests were given the server');
    assert.deepEqual(fs.readdirSync(tmp).filter((n) => n.startsWith('indexer-pg-')), [], 'no server folder is left');
  });
});

describe('scripts/test-run without PostgreSQL', () => {
  it('with CI=true it refuses to run, saying PostgreSQL is missing (the PG tests must not skip silently in CI)', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', INDEXER_PG_BIN: '' };
    delete env.INDEXER_TEST_PG;
    delete env.NODE_TEST_CONTEXT; // else the inner node --test reports to ours instead of setting its exit code
    const r = spawnSync(process.execPath, [script('test-run.js'), path.join(repoRoot, 'dist/test/paths.test.js')], { env, encoding: 'utf8', cwd: repoRoot });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /CI=true but PostgreSQL is not installed/);
  });

  it('outside CI it runs the tests and says the PostgreSQL tests will skip', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: '', INDEXER_PG_BIN: '' };
    delete env.INDEXER_TEST_PG;
    delete env.NODE_TEST_CONTEXT; // else the inner node --test reports to ours instead of setting its exit code
    const r = spawnSync(process.execPath, [script('test-run.js'), path.join(repoRoot, 'dist/test/paths.test.js')], { env, encoding: 'utf8', cwd: repoRoot });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /PostgreSQL is not installed: the PostgreSQL catalog tests will be skipped/);
  });
});
