/**
 * Every command that opens the catalog, against every way a PostgreSQL catalog URL can be wrong: a closed port, a
 * wrong password, a database that does not exist, a catalog of a newer schema, `sslmode=require` against a server
 * without TLS, a port out of range, a URL that cannot be parsed. Each answer is ONE line on stderr naming the host (or
 * the URL) with the password shown as `***` and the cause, the documented exit code (1: the server or the database;
 * 2: a URL or catalog that cannot be one), nothing on stdout, no stack trace. A server that takes only reads fails the
 * commands that write the same way, with what to do; a server that ends the session under a command (here after 1 ms
 * idle) is one line naming the host, never an "unexpected failure".
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PgDb } from '../../src/catalog/pg/pg-db.js';
import { openCatalog } from '../../src/catalog/open.js';
import { findPgBin, startPgServer, type PgServer } from '../../scripts/pg-server.js';
import { runCli, type RunResult } from './helpers.js';

const PASSWORD = 's3cret';

const commands: Array<[string, (dir: string) => string[]]> = [
  ['scan', (dir) => ['scan', '--no-extract', dir]],
  ['resume', () => ['resume']],
  ['worker', () => ['worker']],
  ['status', () => ['status']],
  ['info', (dir) => ['info', path.join(dir, 'a.jpg')]],
  ['search', () => ['search', 'a dog']],
  ['retry', () => ['retry']],
  ['cancel', () => ['cancel']],
  ['roots', () => ['roots']],
  ['duplicates', () => ['duplicates']],
  ['migrate', (dir) => ['migrate', '--to', path.join(dir, `copy-${Math.random().toString(36).slice(2)}.db`)]],
];

interface Target {
  name: string;
  url: (port: number) => string;
  code: number;
  line: (port: number) => RegExp;
  /** Tried with every command; the other targets fail in the same place (opening the connection), so a third of
   * the commands each, a different third per target, keeps the test fast while every command meets several. */
  every?: true;
  /** The commands this target applies to (a read-only server fails only those that write). */
  only?: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const targets: Target[] = [
  {
    name: 'a closed port',
    url: () => `postgres://alice:${PASSWORD}@127.0.0.1:1/photos`,
    code: 1,
    line: () => /^indexer: cannot reach PostgreSQL at 127\.0\.0\.1:1: connection refused .*\(ECONNREFUSED\)$/,
  },
  {
    name: 'a wrong password',
    url: (port) => `postgres://alice:wrong-${PASSWORD}@127.0.0.1:${port}/photos`,
    code: 1,
    line: (port) => new RegExp(`^indexer: PostgreSQL at 127\\.0\\.0\\.1:${port} refused the login: password authentication failed for user "alice"$`),
    every: true,
  },
  {
    name: 'a database that does not exist',
    url: (port) => `postgres://alice:${PASSWORD}@127.0.0.1:${port}/nosuchdb`,
    code: 1,
    line: (port) => new RegExp(`^indexer: PostgreSQL at 127\\.0\\.0\\.1:${port}: database "nosuchdb" does not exist; create it first`),
  },
  {
    name: 'a catalog of a newer schema',
    url: (port) => `postgres://alice:${PASSWORD}@127.0.0.1:${port}/newer`,
    code: 2,
    every: true,
    line: (port) => new RegExp(`^indexer: catalog ${escape(`postgres://alice:***@127.0.0.1:${port}/newer`)} was written by a newer indexer \\(schema \\d+, this one knows \\d+\\); upgrade indexer$`),
  },
  {
    name: 'sslmode=require against a server without TLS',
    url: (port) => `postgres://alice:${PASSWORD}@127.0.0.1:${port}/photos?sslmode=require`,
    code: 1,
    line: (port) => new RegExp(`^indexer: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}: the server does not support SSL connections; sslmode .* asks for TLS: `, 'i'),
  },
  {
    name: 'a server that takes only reads',
    url: (port) => `postgres://alice:${PASSWORD}@127.0.0.1:${port}/readonly`,
    code: 1,
    line: (port) => new RegExp(`^indexer: catalog ${escape(`postgres://alice:***@127.0.0.1:${port}/readonly`)}: cannot execute \\w+ in a read-only transaction \\(25006\\); the server takes only reads .*: point --db at the primary`),
    only: ['scan', 'resume', 'worker', 'retry', 'cancel'],
  },
  {
    // The server ends the session under the command (57P05; the same path as a shutdown or a reset connection).
    name: 'a server that ends idle sessions after 1 ms',
    url: (port) => `postgres://alice:${PASSWORD}@127.0.0.1:${port}/idle`,
    code: 1,
    line: (port) =>
      new RegExp(`^indexer: (catalog \\S+: )?lost the PostgreSQL catalog at 127\\.0\\.0\\.1:${port}: (terminating connection due to idle-session timeout|Connection terminated unexpectedly)`),
    only: ['status', 'info', 'roots', 'duplicates', 'resume'],
  },
  {
    name: 'a port out of range',
    url: () => `postgres://alice:${PASSWORD}@127.0.0.1:99999/photos`,
    code: 2,
    line: () => new RegExp(`^indexer: catalog ${escape('postgres://alice:***@127.0.0.1:99999/photos')}: not a valid PostgreSQL URL: port 99999 is not a number from 1 to 65535; `),
  },
  {
    name: 'a URL that cannot be parsed',
    url: () => `postgres://alice:${PASSWORD}@[db-host/photos`,
    code: 2,
    line: () => new RegExp(`^indexer: catalog ${escape('postgres://alice:***@[db-host/photos')}: not a valid PostgreSQL URL: it cannot be parsed; `),
  },
];

/** Runs `jobs` at most `lanes` at a time (some 40 CLI starts one after another take too long). */
async function inLanes<T>(jobs: Array<() => Promise<T> | T>, lanes: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

describe('PostgreSQL catalog URLs that cannot work: one line, host and cause, no password, documented exit code', { skip: findPgBin() ? false : 'PostgreSQL is not installed', timeout: 180_000 }, () => {
  let server: PgServer;
  let dir: string;
  before(async () => {
    server = await startPgServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-pg-bad-'));
    fs.writeFileSync(path.join(dir, 'a.jpg'), 'not really a photo');
    const admin = new PgDb(server.url);
    try {
      admin.exec(`CREATE ROLE alice LOGIN SUPERUSER PASSWORD '${PASSWORD}'`);
      admin.exec('CREATE DATABASE photos OWNER alice');
      admin.exec('CREATE DATABASE newer OWNER alice');
      admin.exec('CREATE DATABASE readonly OWNER alice');
      admin.exec('CREATE DATABASE idle OWNER alice');
      // TCP logins need the password; the unix socket (pg_ctl, the test's own admin work) stays trusted.
      const hba = path.join(server.dir, 'data', 'pg_hba.conf');
      fs.writeFileSync(hba, `local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n`);
      admin.prepare('SELECT pg_reload_conf()').get();
    } finally {
      admin.close();
    }
    const good = `postgres://alice:${PASSWORD}@127.0.0.1:${server.port}`;
    openCatalog(`${good}/photos`).close();
    // A catalog with pending work, then read-only (as a standby would be).
    const ready = await runCli(['--db', `${good}/readonly`, 'scan', '--no-extract', dir], { cwd: dir });
    assert.equal(ready.code, 0, ready.stderr);
    const readonly = new PgDb(server.url);
    readonly.exec('ALTER DATABASE readonly SET default_transaction_read_only = on');
    openCatalog(`${good}/idle`).close();
    readonly.exec('ALTER DATABASE idle SET idle_session_timeout = 1');
    readonly.close();
    const newer = new PgDb(`${good}/newer`);
    try {
      openCatalog(`${good}/newer`).close();
      newer.exec('UPDATE schema_version SET version = version + 5');
    } finally {
      newer.close();
    }
  });
  after(() => {
    server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every command, every bad target', async () => {
    const cases = targets.flatMap((target, t) =>
      commands.filter(([name], c) => (target.only ? target.only.includes(name) : target.every || (c + t) % 3 === 0)).map(([command, args]) => ({ target, command, args })),
    );
    const run = ({ target, args }: (typeof cases)[number]) => runCli(['--db', target.url(server.port), ...args(dir)], { cwd: dir });
    // The read-only and idle catalogs' commands one after another: side by side writers would meet each other's
    // writer lock (exit 75).
    const serial = cases.filter((c) => c.target.only);
    const results = await inLanes<RunResult | null>(
      cases.map((c) => (c.target.only ? () => null : () => run(c))),
      4,
    );
    for (const c of serial) results[cases.indexOf(c)] = await run(c);
    const wrong: string[] = [];
    for (const [i, { target, command }] of cases.entries()) {
      const r = results[i]!;
      const lines = r.stderr.split('\n').filter(Boolean);
      const problems = [
        r.code !== target.code && `exit ${r.code}, not ${target.code}`,
        lines.length !== 1 && `${lines.length} lines`,
        !target.line(server.port).test(lines[0] ?? '') && 'not the expected line',
        r.stdout !== '' && 'output on stdout',
        (r.stderr + r.stdout).includes(PASSWORD) && 'the password shown',
        /unexpected failure|\n\s+at /.test(r.stderr) && 'an unexpected failure or a stack trace',
      ].filter(Boolean);
      if (problems.length) wrong.push(`${command} with ${target.name}: ${problems.join(', ')}: ${JSON.stringify(r.stderr)}`);
    }
    assert.deepEqual(wrong, []);
    // Nothing was created by a failing command: no catalog file, no folder.
    assert.deepEqual(fs.readdirSync(dir), ['a.jpg']);
  });
});
