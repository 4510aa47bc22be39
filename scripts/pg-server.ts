/**
 * A throwaway PostgreSQL server for tests and benchmarks: initdb into a fresh temp folder, trust auth, listening on
 * 127.0.0.1 at a free port with its unix socket in that folder; stopped (`pg_ctl stop -m fast`) and the folder
 * removed at exit, on SIGINT/SIGTERM too. Runs as the `postgres` user via `runuser` when we are root (postgres
 * refuses to run as root).
 *
 * Library: `startPgServer()`. CLI: `node dist/scripts/pg-server.js` prints the URL and stays until killed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PgServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** The temp folder: data/, the socket, server.log. */
  dir: string;
  /** Stops the server and removes its folder; safe to call twice. */
  stop(): void;
}

export interface StartOptions {
  /** Keep fsync on (benchmarks of commit rates); tests run with fsync off. */
  durable?: boolean;
}

/**
 * The folder holding initdb and pg_ctl: $INDEXER_PG_BIN when set (only there: pick a version, or '' for "none"),
 * else PATH, then the newest /usr/lib/postgresql/N/bin; null if none.
 */
export function findPgBin(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.INDEXER_PG_BIN !== undefined) {
    const bin = env.INDEXER_PG_BIN;
    return bin && isExecutable(path.join(bin, 'initdb')) && isExecutable(path.join(bin, 'pg_ctl')) ? bin : null;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'pg_ctl'))) return dir;
  }
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    return null;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (isExecutable(path.join(bin, 'initdb')) && isExecutable(path.join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Starts a server; throws with the tool's output when initdb or pg_ctl fails. */
export async function startPgServer(options: StartOptions = {}): Promise<PgServer> {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL is not installed: no initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-pg-'));
  const asRoot = process.getuid?.() === 0;
  let stopped = false;
  let started = false;
  const data = path.join(dir, 'data');
  const run = (tool: string, args: string[]) => runTool(asRoot, path.join(bin, tool), args);
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stop);
    if (started) run('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '30']);
    spawnSync('rm', ['-rf', dir]);
  };
  process.on('exit', stop);
  try {
    if (asRoot) {
      const { uid, gid } = postgresUser();
      fs.chownSync(dir, uid, gid);
    }
    fs.chmodSync(dir, 0o700);
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const settings = [
        `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`,
        '-c max_connections=300',
        options.durable ? '' : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
      ].join(' ');
      try {
        run('pg_ctl', ['start', '-D', data, '-w', '-t', '60', '-l', path.join(dir, 'server.log'), '-o', settings]);
        started = true;
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, dir, stop };
      } catch (err) {
        // Another process took the port between our probe and the server's bind: try another one.
        if (attempt >= 3) throw new Error(`${(err as Error).message}\n${readLog(dir)}`);
      }
    }
  } catch (err) {
    stop();
    throw err;
  }
}

function runTool(asRoot: boolean, tool: string, args: string[]): void {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', tool, ...args]] : [tool, args];
  const res = spawnSync(cmd, argv, { encoding: 'utf8', cwd: '/' });
  if (res.status !== 0) {
    throw new Error(`${path.basename(tool)} ${args[0]} failed (${res.error?.message ?? `exit ${res.status}`}): ${(res.stderr || res.stdout).trim()}`);
  }
}

function postgresUser(): { uid: number; gid: number } {
  const res = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error('running as root needs a `postgres` user to run the server as (postgres refuses root)');
  return { uid: Number(res.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function readLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'server.log'), 'utf8').slice(-2000);
  } catch {
    return '';
  }
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** SIGINT/SIGTERM: stop the server (via the exit handler) and end with the signal's conventional status. */
export function stopOnSignals(): void {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(sig, () => process.exit(code));
  }
}

async function main(): Promise<void> {
  stopOnSignals();
  const server = await startPgServer({ durable: process.argv.includes('--durable') });
  console.log(server.url);
  // Stay until killed; the exit handler stops the server.
  setInterval(() => undefined, 1 << 30);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err) => {
    console.error(`pg-server: ${(err as Error).message}`);
    process.exit(1);
  });
}
