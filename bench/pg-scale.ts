/**
 * PostgreSQL benchmarks (issue 11), each against peers measured in the same run on a throwaway server (PostgreSQL's
 * own defaults: fsync and synchronous commits on):
 * - `pg-engine`: engine throughput with the trivial stage, one worker process on SQLite and on PostgreSQL (goal on
 *   PostgreSQL >= 5,000 tasks/s: batched claims and commits), then 2 and 3 worker processes sharing one
 *   PostgreSQL catalog. The processes start behind a barrier: the time is phase 2's alone.
 * - `pg-workers`: a CPU-bound thumbnail backlog (corpus/large JPEGs, linked under names of their own) finished by two
 *   `indexer worker` processes with one thread each vs one with two threads, backlogs of the same size (goal: within
 *   10 %). Without `indexer worker` in this build, the same through the engine API (bench/pg-engine-child.ts).
 * Every backlog is built once in SQLite and copied into each catalog with `indexer migrate`'s copy; that copy's
 * speed is printed too. Skipped with one line when PostgreSQL is not installed.
 * BENCH_QUICK=1: small sizes. BENCH_PG_TASKS=N: the engine backlog. BENCH_PG_PHOTOS=N: the thumbnail backlog.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findPgBin, startPgServer, type PgServer } from '../scripts/pg-server.js';
import { PgDb } from '../src/catalog/pg/pg-db.js';
import { openCatalog } from '../src/catalog/open.js';
import { copyCatalog } from '../src/catalog/copy.js';
import { pendingTasks, photoFiles, sqliteBacklog, syntheticFiles, trivialStages } from './pg-backlog.js';
import { cliWorkers, engineWorkers, hasWorkerCommand, loadText, type Timed } from './pg-processes.js';
import { corpus, list, warm } from './stages.js';

const env = { ...process.env, INDEXER_EXTRA_STAGES: trivialStages };

export async function benchPgEngine(o: { quick: boolean }): Promise<void> {
  const n = Number(process.env.BENCH_PG_TASKS) || (o.quick ? 3_000 : 30_000);
  const server = await serverOrSkip();
  if (!server) return;
  try {
    const backlog = await sqliteBacklog(syntheticFiles(n), 'trivial', env);
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-bench-pg-cache-'));
    console.log(`engine: ${n} tasks of the trivial stage, ${threadsPerWorker()} threads per worker process; ${loadText()}`);
    const sqlite = await engineWorkers([cloneToFile(backlog)], threadsPerWorker(), 'trivial', cache, env);
    line('SQLite, 1 worker process', n, sqlite);
    let one: Timed | null = null;
    for (const workers of [1, 2, 3]) {
      const url = await cloneToPg(server, backlog, `bench_engine_${workers}`, workers === 1);
      const r = await engineWorkers(Array(workers).fill(url), threadsPerWorker(), 'trivial', cache, env);
      one ??= r;
      const vs = `${(sqlite.seconds / r.seconds).toFixed(2)}x SQLite${workers > 1 ? `, ${(one.seconds / r.seconds).toFixed(2)}x 1 worker` : ''}`;
      line(`PostgreSQL, ${workers} worker process${workers > 1 ? 'es' : ''}`, n, r, workers === 1 ? `${vs} (goal >= 5000 tasks/s)` : vs);
    }
  } finally {
    server.stop();
  }
}

export async function benchPgWorkers(o: { quick: boolean }): Promise<void> {
  const photos = list(path.join(corpus, 'large'), /\.jpe?g$/i);
  if (!photos.length) {
    console.log(`no photos under ${corpus}/large: skipped`);
    return;
  }
  const server = await serverOrSkip();
  if (!server) return;
  try {
    const wanted = Number(process.env.BENCH_PG_PHOTOS) || (o.quick ? photos.length : photos.length * 4);
    const files = photoFiles(photos, Math.ceil(wanted / photos.length)).slice(0, wanted);
    warm(photos);
    const backlog = await sqliteBacklog(files, 'thumbnail', env);
    const viaCli = hasWorkerCommand();
    const run = viaCli ? cliWorkers : engineWorkers;
    console.log(
      `thumbnail backlog: ${files.length} JPEGs (corpus/large), 256 px WebP + 1440 px JPEG each, ` +
        `${viaCli ? '`indexer worker` processes' : 'worker processes through the engine API (this build has no `indexer worker`)'}; ${loadText()}`,
    );
    // Alternated, so a change in the machine's other load falls on both sides.
    const rounds = o.quick ? 1 : 2;
    const two: Timed[] = [];
    const one: Timed[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const side of ['2x1', '1x2'] as const) {
        const url = await cloneToPg(server, backlog, `bench_thumbs_${side.replace('x', '_')}_${round}`, false);
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-bench-pg-thumbs-'));
        const r = side === '2x1' ? await run([url, url], 1, 'thumbnail', cache, env) : await run([url], 2, 'thumbnail', cache, env);
        if (r.done !== files.length) throw new Error(`${side}: ${r.done} of ${files.length} thumbnails done`);
        (side === '2x1' ? two : one).push(r);
        line(side === '2x1' ? '2 workers x 1 thread' : '1 worker x 2 threads', files.length, r, `round ${round + 1}`);
        fs.rmSync(cache, { recursive: true, force: true });
      }
    }
    const best = (rs: Timed[]) => Math.min(...rs.map((r) => r.seconds));
    const ratio = best(two) / best(one);
    const verdict = ratio <= 1.1 ? 'met' : 'NOT met';
    console.log(`  ratio (best of each) 2x1 / 1x2:  ${ratio.toFixed(3)} (goal <= 1.10 ${verdict}: distribution costs ${((ratio - 1) * 100).toFixed(1)} %); ${loadText()}`);
  } finally {
    server.stop();
  }
}

function threadsPerWorker(): number {
  return Number(process.env.BENCH_THREADS) || os.availableParallelism();
}

function line(label: string, tasks: number, r: Timed, note = ''): void {
  const perSecond = tasks / r.seconds;
  const rate = `${perSecond.toFixed(perSecond < 100 ? 2 : 0)} tasks/s`;
  const done = r.perProcess.length > 1 ? `${r.perProcess.join(' + ')} done` : `${r.done} done`;
  const exits = r.exits && r.exits.length > 1 ? `, exits at ${r.exits.map((s) => s.toFixed(1)).join(' / ')} s` : '';
  console.log(`  ${`${label}:`.padEnd(34)} ${rate.padStart(14)} (${r.seconds.toFixed(2)} s, ${done}${exits}, load ${r.load.toFixed(1)})${note ? `; ${note}` : ''}`);
}

export async function serverOrSkip(): Promise<PgServer | null> {
  if (!findPgBin()) {
    console.log('PostgreSQL is not installed (no initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin; Debian: postgresql): skipped');
    return null;
  }
  return startPgServer({ durable: true });
}

/** A SQLite copy of the backlog (each measurement changes its catalog). */
function cloneToFile(backlog: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-bench-clone-')), 'catalog.db');
  copyBetween(backlog, file);
  return file;
}

/** A new database on the server holding the backlog (or, `backlog` false, any catalog); prints the copy's speed when `report`. */
export async function cloneToPg(server: PgServer, backlog: string, name: string, report: boolean, isBacklog = true): Promise<string> {
  const admin = new PgDb(server.url);
  try {
    admin.exec(`CREATE DATABASE ${name}`);
  } finally {
    admin.close();
  }
  const url = server.url.replace(/\/postgres$/, `/${name}`);
  const { rows, seconds } = copyBetween(backlog, url, isBacklog);
  if (report) console.log(`  (migrate's copy SQLite -> PostgreSQL: ${rows} rows in ${seconds.toFixed(2)} s, ${(rows / seconds).toFixed(0)} rows/s)`);
  return url;
}

/** Copies the catalog `from` into the new one `to`: rows copied, and the copy's own time (opening excluded). */
function copyBetween(from: string, to: string, isBacklog = true): { rows: number; seconds: number } {
  const source = openCatalog(from);
  const target = openCatalog(to);
  try {
    const t0 = performance.now();
    const report = copyCatalog(source, target, { now: Date.now() });
    const seconds = (performance.now() - t0) / 1000;
    if (!isBacklog) return { rows: report.tables.reduce((n, t) => n + t.rows, 0), seconds };
    if (pendingTasks(target) === 0) throw new Error(`the backlog copied into ${to} has no pending task`);
    // The trivial stage creates its output table at its first commit: made here, so concurrent workers do not race.
    target.exec(`CREATE TABLE IF NOT EXISTS test_outputs (file_id INTEGER NOT NULL, stage TEXT NOT NULL, value TEXT)`);
    return { rows: report.tables.reduce((n, t) => n + t.rows, 0), seconds };
  } finally {
    target.close();
    source.close();
  }
}
