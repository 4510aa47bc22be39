/**
 * Killing and restarting a test PostgreSQL server on the same port (the worker tests' outage): `pg_ctl stop -m
 * immediate` (a crash, as far as clients can tell) and `pg_ctl start` with the settings scripts/pg-server.ts used.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { findPgBin, type PgServer } from '../../scripts/pg-server.js';

function pgCtl(args: string[]): void {
  const bin = findPgBin();
  if (!bin) throw new Error('no pg_ctl');
  const tool = path.join(bin, 'pg_ctl');
  const [cmd, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', tool, ...args]] : [tool, args];
  const res = spawnSync(cmd, argv, { encoding: 'utf8', cwd: '/' });
  if (res.status !== 0) throw new Error(`pg_ctl ${args[0]} failed: ${(res.stderr || res.stdout).trim()}`);
}

/** The server dies at once: open connections are cut, nothing is shut down cleanly. */
export function crashPgServer(server: PgServer): void {
  pgCtl(['stop', '-D', path.join(server.dir, 'data'), '-m', 'immediate', '-w', '-t', '30']);
}

/** Starts the same data folder on the same port and socket folder again (crash recovery replays the WAL). */
export function restartPgServer(server: PgServer): void {
  const settings = `-c listen_addresses=127.0.0.1 -p ${server.port} -k ${server.dir} -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  pgCtl(['start', '-D', path.join(server.dir, 'data'), '-w', '-t', '60', '-l', path.join(server.dir, 'server.log'), '-o', settings]);
}
