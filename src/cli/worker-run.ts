/**
 * `indexer worker`'s action: the catalog session of each backend (SQLite: the writer lock around each round;
 * PostgreSQL: no lock, NOTIFY wake-ups, reconnects) around the worker loop (tasks/worker-loop.ts).
 */
import { progressFor } from './progress-select.js';
import fs from 'node:fs';
import type { Command } from 'commander';
import { acquireWriterLock } from '../catalog/lock.js';
import { openCatalog, type Db } from '../catalog/open.js';
import { checkCatalogPath } from '../catalog/catalog-path.js';
import { catalogFaultCode, catalogFaultError } from '../catalog/faults.js';
import { hasClaimable, heldTasks, pendingCount, scanSignature } from '../catalog/worker-queries.js';
import { UserError } from '../errors.js';
import { runPhase2 } from '../tasks/phase2.js';
import { parsePathMaps, pathMapper, type MapPath } from '../tasks/path-map.js';
import { runWorkerLoop, sleep, type WorkerLoopDeps, type WorkerOutcome, type WorkLook } from '../tasks/worker-loop.js';
import { cacheDir, catalogPath, type CliEnv } from './env.js';
import { interruptSignal } from './signals.js';
import { escapeControls } from './display.js';
import { isCatalogUrl } from '../catalog/catalog-url.js';

/** An idle SQLite worker with --follow looks for a new scan or retried tasks this often. */
const SQLITE_POLL_MS = 2_000;
/** On PostgreSQL a NOTIFY wakes it; looking now and then still catches a scan --no-extract (which plans nothing). */
const PG_POLL_MS = 10_000;

export async function workerCommand(command: Command, cli: CliEnv, opts: Record<string, unknown>): Promise<WorkerOutcome> {
  const mapPath = pathMapper(parsePathMaps((opts.pathMap as string[] | undefined) ?? []));
  const target = catalogPath(command, cli);
  const postgres = isCatalogUrl(target);
  if (!postgres) {
    checkCatalogPath(target, { write: true });
    if (!fs.existsSync(target)) throw new UserError(`no catalog at ${target}: run 'indexer scan ROOT' first`);
  }
  const interrupt = interruptSignal();
  try {
    const w = { command, cli, opts, mapPath, signal: interrupt.signal };
    return await (postgres ? pgWorker(target, w) : sqliteWorker(target, w));
  } finally {
    interrupt.dispose();
  }
}

interface WorkerContext {
  command: Command;
  cli: CliEnv;
  opts: Record<string, unknown>;
  mapPath: MapPath;
  signal: AbortSignal;
}

/** SQLite: one writer at a time, so each round takes the writer lock and gives it back for the scans in between. */
async function sqliteWorker(file: string, w: WorkerContext): Promise<WorkerOutcome> {
  let db: Db | null = null;
  let firstRound = true;
  const notice = (m: string) => w.cli.stderr.write(escapeControls(m) + '\n');
  try {
    return await runWorkerLoop({
      ...loopBasics(w),
      waitForHolders: false,
      pollMs: SQLITE_POLL_MS,
      round: async (limits) => {
        // After the first round a --follow worker queues behind a scan rather than exiting 75 in the middle of its watch.
        const wait = firstRound ? !!w.opts.wait : true;
        firstRound = false;
        const release = await acquireWriterLock(file, { wait, clock: w.cli.clock, signal: w.signal, notice });
        try {
          db ??= openCatalog(file);
          const scansBefore = scanSignature(db);
          const result = await runPhase2(phase2Request(w, db, file, limits));
          return { result, scansBefore };
        } catch (err) {
          throw catalogFaultCode(err) ? catalogFaultError(file, err) : err;
        } finally {
          release();
        }
      },
      look: (stages, runnable) => lookAt(db!, stages, runnable, w.cli.clock.now()),
      idle: (ms) => sleep(ms, w.signal),
      isUnavailable: () => false,
      reconnect: async () => {},
      notice,
    });
  } finally {
    (db as Db | null)?.close();
  }
}

/**
 * PostgreSQL: no writer lock (any number of workers on any number of hosts); a NOTIFY from a process that planned
 * tasks or ended a run wakes an idle worker; a lost server is ridden out by the loop (stop claiming, reconnect, go on).
 */
async function pgWorker(url: string, w: WorkerContext): Promise<WorkerOutcome> {
  const [{ CatalogUnavailableError }, { onNewTasks }] = await Promise.all([import('../catalog/pg/errors.js'), import('../catalog/notify.js')]);
  // A database without a catalog is an error, as a missing SQLite file is: a mistyped URL must not look like "done".
  const db = openCatalog(url, { mustExist: true }) as Db & { reconnect(): void };
  let wake: (() => void) | null = null;
  // Without --follow too: a worker waiting for the tasks others hold wakes when their run ends (runs.ts's endRun).
  const unlisten = onNewTasks(db, () => wake?.());
  try {
    return await runWorkerLoop({
      ...loopBasics(w),
      waitForHolders: true,
      pollMs: PG_POLL_MS,
      round: async (limits) => {
        try {
          const scansBefore = scanSignature(db);
          return { result: await runPhase2(phase2Request(w, db, url, limits)), scansBefore };
        } catch (err) {
          // A lost server is the loop's to ride out; any other fault of the catalog (read-only, disk full) ends the
          // worker with one line naming it, as on SQLite.
          throw !(err instanceof CatalogUnavailableError) && catalogFaultCode(err) ? catalogFaultError(url, err) : err;
        }
      },
      look: (stages, runnable) => lookAt(db, stages, runnable, w.cli.clock.now()),
      idle: (ms) =>
        sleep(ms, w.signal, (done) => {
          wake = done;
        }),
      isUnavailable: (err) => err instanceof CatalogUnavailableError,
      reconnect: async () => db.reconnect(),
      notice: (m) => w.cli.stderr.write(escapeControls(m) + '\n'),
    });
  } finally {
    try {
      unlisten();
    } catch {
      // the server may be gone; closing the connection ends the LISTEN anyway
    }
    db.close();
  }
}

/** What both backends pass the loop the same way. */
function loopBasics(w: WorkerContext): Pick<WorkerLoopDeps, 'clock' | 'signal' | 'follow' | 'maxDurationMs' | 'maxTasks' | 'onIdle'> {
  return {
    clock: w.cli.clock,
    signal: w.signal,
    follow: !!w.opts.follow,
    maxDurationMs: w.opts.maxDuration as number | undefined,
    maxTasks: w.opts.maxTasks as number | undefined,
    onIdle: () => {
      if (!w.opts.quiet) w.cli.stderr.write('indexer: nothing left to do; waiting for new work (--follow; Ctrl-C to stop)\n');
    },
  };
}

function phase2Request(w: WorkerContext, db: Db, catalog: string, limits: { maxDurationMs?: number; maxTasks?: number }) {
  return {
    db,
    catalogPath: catalog,
    cacheDir: cacheDir(w.command, w.cli),
    cli: w.cli,
    opts: { ...w.opts, maxDuration: limits.maxDurationMs, maxDurationGiven: w.opts.maxDuration, maxTasks: limits.maxTasks },
    signal: w.signal,
    command: 'worker',
    mapPath: w.mapPath,
    // The same display as scan and resume: bars on a terminal, NDJSON with --json, lines in a log.
    progress: (pending: Record<string, number>) => progressFor(w.opts, w.cli, pending),
  };
}

function lookAt(db: Db, stages: readonly string[], runnable: readonly string[], now: number): WorkLook {
  return { scans: scanSignature(db), pending: pendingCount(db, stages), ...heldTasks(db, stages), claimable: hasClaimable(db, runnable, now) };
}
