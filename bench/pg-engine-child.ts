/**
 * One worker process of the PostgreSQL benchmarks: `node pg-engine-child.js CATALOG THREADS STAGE CACHE_DIR`.
 * Opens the catalog (a postgres:// URL or a SQLite file), says `ready` on stdout, waits for a line on stdin (so every
 * process of a measurement starts together, its start-up excluded), runs phase 2 on STAGE through the
 * engine API (plan, claims, commits, leases: what `indexer worker` runs) and prints one JSON line:
 * {startedAt, endedAt, done} in ms since epoch. BENCH_PG_COUNT=1: also the PostgreSQL round trips and statements
 * per task done, on stderr.
 */
import readline from 'node:readline';
import { openCatalog } from '../src/catalog/open.js';
import { runPhase2 } from '../src/tasks/phase2.js';
import { silentEvents } from '../src/tasks/events.js';
import { systemClock } from '../src/types.js';
import { trivialStages } from './pg-backlog.js';

const [catalog, threadsText, stage, cacheDir] = process.argv.slice(2);
const threads = Number(threadsText);
const db = openCatalog(catalog!);
const env = { ...process.env, INDEXER_EXTRA_STAGES: trivialStages, INDEXER_THREADS: String(threads) };
const input = readline.createInterface({ input: process.stdin });
process.stdout.write('ready\n');
await new Promise<void>((resolve) => input.once('line', () => resolve()));
input.close();

const startedAt = Date.now();
const r = await runPhase2(
  {
    db,
    catalogPath: catalog!,
    cacheDir: cacheDir!,
    cli: { env, clock: systemClock, stdout: process.stdout, stderr: process.stderr },
    opts: { stages: stage, quiet: true },
    signal: new AbortController().signal,
  },
  { events: silentEvents, command: 'bench' },
);
const endedAt = Date.now();
const traffic = (db as { traffic?: { roundTrips: number; statements: number } }).traffic;
if (traffic && process.env.BENCH_PG_COUNT) {
  const per = (n: number) => (n / Math.max(1, Number(r.summary.done))).toFixed(3);
  process.stderr.write(`  (pid ${process.pid}: ${per(traffic.roundTrips)} round trips, ${per(traffic.statements)} statements per task done)\n`);
}
db.close();
if (r.exitCode !== 0) throw new Error(`phase 2 ended with exit code ${r.exitCode}`);
process.stdout.write(JSON.stringify({ startedAt, endedAt, done: Number(r.summary.done) }) + '\n');
