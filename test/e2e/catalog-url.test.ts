/**
 * Issue 11: a URL given as the catalog is a server or an error, never a file. Before, `--db postgres://user@host/db`
 * made a SQLite file at ./postgres:/user@host/db. Now a postgres:// URL is the PostgreSQL catalog there: a server
 * that cannot be reached is one line naming host:port and the cause, exit 1, no password shown, nothing created;
 * any other scheme is refused with exit 2.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from './helpers.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-url-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** An empty folder to run in, plus data and cache homes that must stay absent. */
function place(name: string) {
  const cwd = path.join(work, name, 'cwd');
  fs.mkdirSync(cwd, { recursive: true });
  const root = path.join(work, name, 'photos');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'a.jpg'), 'not really a photo');
  const homes = { XDG_DATA_HOME: path.join(work, name, 'data'), XDG_CACHE_HOME: path.join(work, name, 'cache') };
  return { cwd, root, homes };
}

const commands: Array<[string, (root: string) => string[]]> = [
  ['scan', (root) => ['scan', root]],
  ['status', () => ['status']],
  ['info', (root) => ['info', path.join(root, 'a.jpg')]],
  ['search', () => ['search', 'a dog']],
  ['resume', () => ['resume']],
  ['retry', () => ['retry']],
  ['cancel', () => ['cancel']],
];

describe('a URL as the catalog', () => {
  for (const [name, args] of commands) {
    for (const via of ['--db', '$INDEXER_DB'] as const) {
      it(`${name} with postgres:// in ${via} and no server there: exit 1, one line naming host:port, no password, nothing created`, async () => {
        const { cwd, root, homes } = place(`${name}-${via === '--db' ? 'flag' : 'env'}`);
        // Port 1: nothing listens there (a privileged port no test server takes).
        const url = 'postgres://alice:s3cret@127.0.0.1:1/photos?sslmode=require';
        const r =
          via === '--db'
            ? await runCli(['--db', url, ...args(root)], { cwd, env: homes })
            : await runCli(args(root), { cwd, env: { ...homes, INDEXER_DB: url } });
        assert.equal(r.code, 1, r.stderr);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0]!, /^indexer: cannot reach PostgreSQL at 127\.0\.0\.1:1: connection refused .*\(ECONNREFUSED\)$/);
        assert.ok(!r.stderr.includes('s3cret'), 'the password is never printed');
        assert.equal(r.stdout, '');
        assert.deepEqual(fs.readdirSync(cwd), [], 'nothing appears in the current folder');
        assert.ok(!fs.existsSync(homes.XDG_DATA_HOME) && !fs.existsSync(homes.XDG_CACHE_HOME), 'no data or cache folder');
      });
    }
  }

  it('indexer --db postgres://127.0.0.1:1/x status: one line, exit 1, no stack trace', async () => {
    const { cwd, homes } = place('brief');
    const r = await runCli(['--db', 'postgres://127.0.0.1:1/x', 'status'], { cwd, env: homes });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, 'indexer: cannot reach PostgreSQL at 127.0.0.1:1: connection refused (is PostgreSQL running and listening there?) (ECONNREFUSED)\n');
    assert.equal(r.stdout, '');
  });

  it('postgresql:// with a password parameter is a server too; other schemes are refused with exit 2', async () => {
    const { cwd, root, homes } = place('schemes');
    const pg = await runCli(['--db', 'postgresql://bob@127.0.0.1:1/photos?password=hunter2&sslmode=disable', 'scan', root], { cwd, env: homes });
    assert.equal(pg.code, 1, pg.stderr);
    assert.match(pg.stderr, /^indexer: cannot reach PostgreSQL at 127\.0\.0\.1:1: /);
    assert.ok(!pg.stderr.includes('hunter2'));
    const other = await runCli(['--db', 'mysql://carol:pw@db/photos', 'status'], { cwd, env: homes });
    assert.equal(other.code, 2, other.stderr);
    assert.equal(other.stderr.trim().split('\n').length, 1, other.stderr);
    assert.match(other.stderr, /--db mysql:\/\/carol:\*\*\*@db\/photos: .*mysql:\/\/ URLs are not supported/);
    assert.ok(!other.stderr.includes(':pw@'));
    assert.deepEqual(fs.readdirSync(cwd), []);
  });

  it('a plain relative path still makes a catalog file there (the default stays SQLite)', async () => {
    const { cwd, root, homes } = place('plain');
    const r = await runCli(['--db', 'cat.db', '--cache-dir', path.join(work, 'plain', 'c'), 'scan', '--no-extract', root], { cwd, env: homes });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(cwd, 'cat.db')));
  });
});
