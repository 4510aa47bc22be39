/** Phase-2 runs recorded in the catalog: start, end, outcome, counts, note. */
import os from 'node:os';
import type { Db } from './sql.js';
import { statement } from './statements.js';
import { storableTextOrNull } from './text.js';
import { announceNewTasks } from './notify.js';
import { columnExists } from './dialect.js';

export type RunOutcome = 'running' | 'complete' | 'limit' | 'interrupted' | 'failed' | 'crashed';

export interface RunCounts {
  planned: number;
  rearmed: number;
  coalesced: number;
  recovered: number;
  done: number;
  failed: number;
  skipped: number;
  released: number;
}

export interface RunRow extends RunCounts {
  id: number;
  startedAt: number;
  endedAt: number | null;
  pid: number;
  command: string;
  outcome: RunOutcome;
  stages: string[];
  note: string | null;
}

const START = `INSERT INTO runs (started_at, heartbeat_at, pid, host, command, stages)
  VALUES (@now, @now, @pid, @host, @command, @stages) RETURNING id`;

/** Records a run's start; `host` is the machine it runs on (os.hostname() unless a test says otherwise). */
export function startRun(db: Db, r: { command: string; pid: number; stages: string[]; now: number; host?: string }): number {
  const params = { now: r.now, pid: r.pid, host: r.host ?? os.hostname(), command: r.command, stages: JSON.stringify(r.stages) };
  return statement(db, START).pluck().get(params) as number;
}

/**
 * A run that has not said it is alive for this long is taken for dead, whatever its host: five default lease
 * lengths (runner.ts: 60 s leases, a heartbeat every 10 s), so a busy machine or a short network outage is not
 * mistaken for a death, and the run's tasks have long come back to pending by lease expiry meanwhile.
 */
export const STALE_RUN_MS = 5 * 60_000;

const BEAT = `UPDATE runs SET heartbeat_at = @now WHERE id = @id`;

/** The run is alive (with each lease heartbeat of its tasks). */
export function beatRun(db: Db, id: number, now: number): void {
  statement(db, BEAT).run({ id, now });
}

/** Whether a run still marked running has been silent past STALE_RUN_MS (null heartbeat: a run from before 012). */
export function runIsStale(run: { heartbeatAt: number | null; startedAt: number }, now: number): boolean {
  return now - (run.heartbeatAt ?? run.startedAt) > STALE_RUN_MS;
}

/** What a stale run's row says once it is called crashed. */
export function staleRunNote(run: { heartbeatAt: number | null; startedAt: number; host: string | null }): string {
  const last = new Date(run.heartbeatAt ?? run.startedAt).toISOString();
  const where = run.host ? ` on ${run.host}` : '';
  return `no heartbeat from its process${where} since ${last}: taken for dead (its tasks came back as their leases ran out)`;
}

/** Counts are written as the run goes, inside the result transactions, so a killed run still shows its progress. */
export function updateRunCounts(db: Db, id: number, c: Partial<RunCounts>): void {
  const keys = Object.keys(c).filter((k) => /^[a-z]+$/.test(k));
  if (keys.length === 0) return;
  // Every result batch writes the same keys: the statement is prepared once per connection, not per batch.
  statement(db, `UPDATE runs SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run({ ...c, id });
}

const END = `UPDATE runs SET outcome = @outcome, note = @note, ended_at = @now WHERE id = @id`;

/**
 * A run ended: its tasks are finished or handed back. Workers waiting on PostgreSQL for the tasks others hold (or
 * for work handed back) are told at once (NOTIFY), rather than finding out at their next slow poll.
 */
export function endRun(db: Db, id: number, r: { outcome: RunOutcome; note: string | null; now: number }): void {
  statement(db, END).run({ ...r, note: storableTextOrNull(r.note), id });
  announceNewTasks(db);
}

const MARK_CRASHED = `UPDATE runs SET outcome = 'crashed', note = @note WHERE id = @id AND outcome = 'running'`;

/** Runs still marked running whose process is gone are recorded as crashed (found by recovery). */
export function markRunCrashed(db: Db, id: number, note: string): void {
  statement(db, MARK_CRASHED).run({ id, note });
}

// Oldest first on both backends (PostgreSQL's heap order moves an updated row to the end; SQLite's rowid order does not).
const RUNNING = `SELECT id, pid, host, started_at AS "startedAt", heartbeat_at AS "heartbeatAt" FROM runs WHERE outcome = 'running' ORDER BY id`;

export interface RunningRun {
  id: number;
  pid: number;
  /** Null for runs from before hosts were kept. */
  host: string | null;
  startedAt: number;
  heartbeatAt: number | null;
}

/** Runs marked running, oldest first, with their pid, host and last heartbeat (recovery decides which are dead). */
export function runningRuns(db: Db): RunningRun[] {
  return statement(db, RUNNING).all() as RunningRun[];
}

// status reads catalogs of older schemas too (read-only): host and heartbeat_at only where the catalog has them.
const COLUMNS = `id, started_at AS "startedAt", ended_at AS "endedAt", pid, command, outcome, stages, planned, rearmed,
  coalesced, recovered, done, failed, skipped, released, note`;
const RECENT = `SELECT ${COLUMNS} FROM runs ORDER BY id DESC LIMIT ?`;
const RECENT_WITH_HEARTBEAT = `SELECT ${COLUMNS}, host, heartbeat_at AS "heartbeatAt" FROM runs ORDER BY id DESC LIMIT ?`;

function toRun(row: Record<string, unknown>): RunRow {
  const { host: _h, heartbeatAt: _b, ...run } = row;
  return { ...(run as unknown as RunRow), stages: JSON.parse(String(row.stages)) as string[] };
}

/**
 * The most recent runs, newest first. With `now`, a run still marked running whose heartbeat is stale (its process
 * died on another host, or was killed and nothing recovered since) is shown as crashed, with why.
 */
export function recentRuns(db: Db, limit: number, now?: number): RunRow[] {
  if (now === undefined || !hasHeartbeats(db)) return (statement(db, RECENT).all(limit) as Record<string, unknown>[]).map(toRun);
  return (statement(db, RECENT_WITH_HEARTBEAT).all(limit) as Record<string, unknown>[]).map((row) => {
    const run = toRun(row);
    const beat = { heartbeatAt: row.heartbeatAt as number | null, startedAt: run.startedAt, host: row.host as string | null };
    return run.outcome === 'running' && runIsStale(beat, now) ? { ...run, outcome: 'crashed', note: staleRunNote(beat) } : run;
  });
}

/** Whether the catalog's runs record heartbeats (migration 012 and later). */
function hasHeartbeats(db: Db): boolean {
  return columnExists(db, 'runs', 'heartbeat_at');
}
