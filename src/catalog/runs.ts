/** Phase-2 runs recorded in the catalog: start, end, outcome, counts, note. */
import os from 'node:os';
import type { Db } from './sql.js';
import { statement } from './statements.js';
import { announceNewTasks } from './notify.js';

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

const START = `INSERT INTO runs (started_at, pid, host, command, stages) VALUES (@now, @pid, @host, @command, @stages) RETURNING id`;

/** Records a run's start; `host` is the machine it runs on (os.hostname() unless a test says otherwise). */
export function startRun(db: Db, r: { command: string; pid: number; stages: string[]; now: number; host?: string }): number {
  const params = { now: r.now, pid: r.pid, host: r.host ?? os.hostname(), command: r.command, stages: JSON.stringify(r.stages) };
  return statement(db, START).pluck().get(params) as number;
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
  statement(db, END).run({ ...r, id });
  announceNewTasks(db);
}

const MARK_CRASHED = `UPDATE runs SET outcome = 'crashed', note = @note WHERE id = @id AND outcome = 'running'`;

/** Runs still marked running whose process is gone are recorded as crashed (found by recovery). */
export function markRunCrashed(db: Db, id: number, note: string): void {
  statement(db, MARK_CRASHED).run({ id, note });
}

const RUNNING = `SELECT id, pid, host FROM runs WHERE outcome = 'running'`;

/** Runs marked running, with their pid and host (recovery decides which are dead; null host: before hosts were kept). */
export function runningRuns(db: Db): { id: number; pid: number; host: string | null }[] {
  return statement(db, RUNNING).all() as { id: number; pid: number; host: string | null }[];
}

// No host: status reads catalogs of older schemas too (read-only), and shows no host.
const COLUMNS = `id, started_at AS "startedAt", ended_at AS "endedAt", pid, command, outcome, stages, planned, rearmed,
  coalesced, recovered, done, failed, skipped, released, note`;
const RECENT = `SELECT ${COLUMNS} FROM runs ORDER BY id DESC LIMIT ?`;

function toRun(row: Record<string, unknown>): RunRow {
  return { ...(row as unknown as RunRow), stages: JSON.parse(String(row.stages)) as string[] };
}

/** The most recent runs, newest first. */
export function recentRuns(db: Db, limit: number): RunRow[] {
  return (statement(db, RECENT).all(limit) as Record<string, unknown>[]).map(toRun);
}
