/** Phase-2 runs recorded in the catalog: start, end, outcome, counts, note. */
import type { Db } from './open.js';
import { statement } from './statements.js';

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

export function startRun(db: Db, r: { command: string; pid: number; stages: string[]; now: number }): number {
  const info = db
    .prepare(`INSERT INTO runs (started_at, pid, command, stages) VALUES (@now, @pid, @command, @stages)`)
    .run({ now: r.now, pid: r.pid, command: r.command, stages: JSON.stringify(r.stages) });
  return Number(info.lastInsertRowid);
}

/** Counts are written as the run goes, inside the result transactions, so a killed run still shows its progress. */
export function updateRunCounts(db: Db, id: number, c: Partial<RunCounts>): void {
  const keys = Object.keys(c).filter((k) => /^[a-z]+$/.test(k));
  if (keys.length === 0) return;
  // Every result batch writes the same keys: the statement is prepared once per connection, not per batch.
  statement(db, `UPDATE runs SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run({ ...c, id });
}

export function endRun(db: Db, id: number, r: { outcome: RunOutcome; note: string | null; now: number }): void {
  db.prepare(`UPDATE runs SET outcome = @outcome, note = @note, ended_at = @now WHERE id = @id`).run({ ...r, id });
}

/** Runs still marked running whose process is gone are recorded as crashed (found by recovery). */
export function markRunCrashed(db: Db, id: number, note: string): void {
  db.prepare(`UPDATE runs SET outcome = 'crashed', note = @note WHERE id = @id AND outcome = 'running'`).run({ id, note });
}

/** Runs marked running, with their pid (recovery decides which are dead). */
export function runningRuns(db: Db): { id: number; pid: number }[] {
  return db.prepare(`SELECT id, pid FROM runs WHERE outcome = 'running'`).all() as { id: number; pid: number }[];
}

const columns = `id, started_at AS startedAt, ended_at AS endedAt, pid, command, outcome, stages, planned, rearmed,
  coalesced, recovered, done, failed, skipped, released, note`;

function toRun(row: Record<string, unknown>): RunRow {
  return { ...(row as unknown as RunRow), stages: JSON.parse(String(row.stages)) as string[] };
}

/** The most recent runs, newest first. */
export function recentRuns(db: Db, limit: number): RunRow[] {
  return (db.prepare(`SELECT ${columns} FROM runs ORDER BY id DESC LIMIT ?`).all(limit) as Record<string, unknown>[]).map(toRun);
}
