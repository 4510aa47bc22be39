/**
 * Shared end-to-end helpers: run the real CLI (`node bin/indexer.js`) as a child process against a temp catalog
 * and cache, and build file trees. Any area's e2e tests may import these.
 */
import '../temp.js';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file runs from dist/test/e2e/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const binPath = path.join(repoRoot, 'bin', 'indexer.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as the unprivileged `nobody` user (uid/gid 65534): root ignores file permissions. */
  asNobody?: boolean;
  /** Kill the child after this many ms (a hung test should fail, not hang CI). */
  timeoutMs?: number;
}

/** A temp folder holding a catalog path, a cache dir and room for trees; `run` passes --db and --cache-dir. */
export interface Sandbox {
  dir: string;
  db: string;
  cache: string;
  /** `indexer --db DB --cache-dir CACHE ...args`. */
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Start without waiting (for lock and signal tests). */
  start(args: string[], opts?: RunOptions): ReturnType<typeof spawn>;
  cleanup(): void;
}

export function sandbox(prefix = 'indexer-e2e-'): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // Open to the unprivileged user that permission tests run as.
  fs.chmodSync(dir, 0o777);
  const db = path.join(dir, 'data', 'catalog.db');
  const cache = path.join(dir, 'cache');
  const withCatalog = (args: string[]) => ['--db', db, '--cache-dir', cache, ...args];
  return {
    dir,
    db,
    cache,
    run: (args, opts) => runCli(withCatalog(args), opts),
    start: (args, opts) => startCli(withCatalog(args), opts),
    // rm copes with paths longer than PATH_MAX; fs.rmSync does not.
    cleanup: () => void spawnSync('rm', ['-rf', dir]),
  };
}

/**
 * The user's own settings must not leak into tests (nor tests into the user's home): no catalog or cache from the
 * environment, and an empty data dir, so no installed or remembered CLIP model is picked up unless a test asks.
 */
const isolatedHome = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-e2e-home-'));
process.on('exit', () => fs.rmSync(isolatedHome, { recursive: true, force: true }));
const isolatedEnv = {
  INDEXER_DB: '',
  INDEXER_CACHE: '',
  INDEXER_MODEL: '',
  XDG_DATA_HOME: path.join(isolatedHome, 'data'),
  XDG_CACHE_HOME: path.join(isolatedHome, 'cache'),
};

export function startCli(args: string[], opts: RunOptions = {}) {
  const root = opts.asNobody ? (cliRootForNobody() ?? repoRoot) : repoRoot;
  const nodeArgs = [path.join(root, 'bin', 'indexer.js'), ...args];
  const [cmd, cmdArgs] = opts.asNobody
    ? ['setpriv', [...asNobody, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return spawn(cmd as string, cmdArgs as string[], {
    cwd: opts.cwd ?? root,
    env: { ...process.env, ...isolatedEnv, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const child = startCli(args, opts);
  return collect(child, opts.timeoutMs ?? 60_000);
}

/** Waits for a started child and gathers its output. */
export function collect(child: ReturnType<typeof spawn>, timeoutMs = 60_000): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The last non-empty stdout line parsed as JSON (the `--json` summary; event lines come before it). */
export function lastJson(stdout: string): any {
  const lines = stdout.trim().split('\n').filter(Boolean);
  if (lines.length === 0) throw new Error('no output on stdout');
  return JSON.parse(lines[lines.length - 1]!);
}

/** Writes files (relative path -> content) under root, creating folders. Returns absolute paths by relative path. */
export function makeTree(root: string, files: Record<string, string | Buffer>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
    out[rel] = abs;
  }
  return out;
}

/** Sets a file's mtime (and atime) to `msAgo` milliseconds before now. */
export function age(file: string, msAgo: number): void {
  const t = new Date(Date.now() - msAgo);
  fs.utimesSync(file, t, t);
}

const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups'];

/**
 * Whether tests can run the CLI as an unprivileged user: root here, setpriv available, and a copy of the CLI that
 * user can read (see cliRootForNobody).
 */
export function canDropPrivileges(): boolean {
  if (process.getuid?.() !== 0) return false;
  if (spawnSync('setpriv', [...asNobody, 'true']).status !== 0) return false;
  return cliRootForNobody() !== null;
}

let nobodyRoot: string | null | undefined;

/**
 * Where `nobody` finds the CLI: the repository itself, or, when the repository sits in a folder nobody may enter (a
 * checkout under a mode-700 `mktemp -d`), a hard-linked copy of what the CLI loads (no bytes copied) in the tests'
 * temp folder. Null when neither works (the copy must be on the same file system).
 */
function cliRootForNobody(): string | null {
  if (nobodyRoot !== undefined) return nobodyRoot;
  const readable = (root: string) => spawnSync('setpriv', [...asNobody, 'test', '-r', path.join(root, 'bin', 'indexer.js')]).status === 0;
  if (readable(repoRoot)) return (nobodyRoot = repoRoot);
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-cli-copy-'));
  fs.chmodSync(copy, 0o755);
  const linked = spawnSync('cp', ['-al', 'bin', 'dist', 'node_modules', 'package.json', copy], { cwd: repoRoot }).status === 0;
  nobodyRoot = linked && readable(copy) ? copy : null;
  return nobodyRoot;
}

/** How many times `needle` occurs in `text`. */
export function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** Write the catalog's writer lock as if process `pid` on this host held it (for lock and --wait tests). */
export function writeLock(db: string, pid: number): void {
  fs.mkdirSync(path.dirname(db), { recursive: true });
  fs.writeFileSync(db + '.lock', JSON.stringify({ pid, host: os.hostname(), startTicks: null }));
}
