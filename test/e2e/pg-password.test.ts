/**
 * A PostgreSQL catalog URL may carry a password (`postgres://user:pw@host/db`): no command prints it. `status` (text
 * and --json) shows the URL as `user:***@host`, and the lines of scan and worker, their --json output and the errors
 * carry no password either.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PG_SKIP, freshPgDatabase } from '../helpers/pg.js';
import { lastJson, runCli, type RunResult } from './helpers.js';
import { makeLibrary } from './worker-helpers.js';

const PASSWORD = 's3cret-pw';

test('PostgreSQL: the catalog URL\'s password is redacted in status (text and --json) and printed by no command', { skip: PG_SKIP, timeout: 120_000 }, async (t) => {
  const plain = new URL(freshPgDatabase(t));
  // The test server trusts local connections: any password gets in, so the URL can carry one.
  const withPassword = new URL(plain);
  withPassword.password = PASSWORD;
  const url = withPassword.toString();
  const shown = `postgres://${plain.username}:***@${plain.host}${plain.pathname}`;
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'indexer-pg-password-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'photos');
  await makeLibrary(root, 2, 120);
  const g = ['--db', url, '--cache-dir', path.join(dir, 'cache')];
  const runs: [string, RunResult][] = [];
  const run = async (...args: string[]) => {
    const r = await runCli([...g, ...args]);
    runs.push([args.join(' '), r]);
    return r;
  };
  assert.equal((await run('scan', '--no-extract', root)).code, 0);
  assert.equal((await run('--json', 'worker', '--stages', 'thumbnail')).code, 0);
  assert.equal((await run('resume', '--stages', 'exif')).code, 0);
  const json = await run('status', '--json');
  assert.equal(json.code, 0, json.stderr);
  assert.equal(lastJson(json.stdout).catalog, shown);
  const text = await run('status');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^catalog ${shown.replace(/[.*?]/g, '\\$&')}$`, 'm'));
  // A failure that names the catalog: retry in a catalog database that does not exist.
  const missing = new URL(withPassword);
  missing.pathname = `${plain.pathname}_missing`;
  const bad = await runCli(['--db', missing.toString(), 'status']);
  runs.push(['status (no such database)', bad]);
  assert.notEqual(bad.code, 0);
  for (const [what, r] of runs) {
    assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD), `${what} printed the password:\n${r.stdout}\n${r.stderr}`);
  }
});
