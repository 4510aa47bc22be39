/**
 * Runs the worker processes of one PostgreSQL benchmark measurement and times them together.
 * - `engineWorkers`: bench/pg-engine-child.js processes (the engine API), started together behind a barrier, so
 *   the time is phase 2's alone, from the first process's start to the last one's end;
 * - `cliWorkers`: real `indexer worker` processes, timed from spawn to the last exit (their start-up included).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const engineChild = path.join(here, 'pg-engine-child.js');
const bin = path.resolve(here, '..', '..', 'bin', 'indexer.js');

export interface Timed {
  seconds: number;
  /** Tasks done, all processes together. */
  done: number;
  /** Tasks done by each process (how evenly the work spread). */
  perProcess: number[];
  /** When each process ended, in seconds from the start (`indexer worker` only: a late exit shows here). */
  exits?: number[];
  /** Load average (1 min) when the measurement ended: the machine is shared. */
  load: number;
}

/** What `uptime` says: 1, 5 and 15 minute load averages. */
export function loadText(): string {
  return `load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} on ${os.availableParallelism()} CPUs`;
}

export async function engineWorkers(catalogs: string[], threads: number, stage: string, cacheDir: string, env: NodeJS.ProcessEnv): Promise<Timed> {
  const children = catalogs.map((c) => spawn(process.execPath, [engineChild, c, String(threads), stage, cacheDir], { env, stdio: ['pipe', 'pipe', 'inherit'] }));
  const lines = children.map((child) => linesOf(child));
  await Promise.all(lines.map(async (next) => expectLine(await next(), 'ready')));
  for (const child of children) child.stdin!.write('go\n');
  const results = await Promise.all(lines.map(async (next) => JSON.parse(await next()) as { startedAt: number; endedAt: number; done: number }));
  await Promise.all(children.map(exited));
  const seconds = (Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt))) / 1000;
  return { seconds, done: results.reduce((n, r) => n + r.done, 0), perProcess: results.map((r) => r.done), load: os.loadavg()[0]! };
}

/** `indexer --db CATALOG --cache-dir DIR --json worker --stages STAGE --threads N` in each process. */
export async function cliWorkers(catalogs: string[], threads: number, stage: string, cacheDir: string, env: NodeJS.ProcessEnv): Promise<Timed> {
  const t0 = performance.now();
  const exits: number[] = [];
  const outputs = await Promise.all(
    catalogs.map(async (c, i) => {
      const child = spawn(process.execPath, [bin, '--db', c, '--cache-dir', cacheDir, '--json', 'worker', '--stages', stage, '--threads', String(threads)], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
      await exited(child);
      exits[i] = (performance.now() - t0) / 1000;
      return out;
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const perProcess = outputs.map((out) => Number((JSON.parse(out.trim().split('\n').pop()!) as { extract: { done: number } }).extract.done));
  return { seconds, done: perProcess.reduce((n, d) => n + d, 0), perProcess, exits, load: os.loadavg()[0]! };
}

/** Whether this build has `indexer worker` (it comes from another branch). */
export function hasWorkerCommand(): boolean {
  // (`indexer worker --help` would print the main help and exit 0 without it.)
  const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' }).stdout ?? '';
  return /^\s+worker\b/m.test(help);
}

function linesOf(child: ChildProcess): () => Promise<string> {
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  const take = (line: string) => {
    const w = waiting.shift();
    if (w) w(line);
    else queue.push(line);
  };
  readline.createInterface({ input: child.stdout! }).on('line', take);
  // A process that dies says nothing more: whoever waits gets an empty line, which fails the measurement.
  child.once('close', () => waiting.splice(0).forEach((w) => w('')));
  return () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiting.push(resolve)));
}

function expectLine(line: string, want: string): void {
  if (line !== want) throw new Error(`benchmark worker said '${line}', expected '${want}'`);
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return child.exitCode === 0 ? resolve() : reject(new Error(`benchmark worker exited with ${child.exitCode}`));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`benchmark worker exited with ${code}`))));
  });
}
