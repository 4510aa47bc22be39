/**
 * What `indexer worker` reads between its rounds of phase 2: whether new work may have arrived (a scan, a retry,
 * tasks handed back by another worker) and whether other processes still hold tasks. Plain SQL, the same on both
 * backends.
 */
import type { Db } from './open.js';
import { statement } from './statements.js';
import { DEPENDENCIES_FINISHED } from './tasks.js';
import { bothDialects, textList } from './dialect.js';

// One statement text each, whatever the number of stages: the stages travel as one JSON list (textList).
const PENDING = bothDialects((d) => `SELECT count(*) AS n FROM tasks WHERE state = 'pending' AND stage IN ${textList(d, '@stages')}`);
const HELD = bothDialects(
  (d) => `SELECT count(*) AS n, min(lease_expires) AS first FROM tasks WHERE state = 'running' AND stage IN ${textList(d, '@stages')}`,
);
const CLAIMABLE = bothDialects(
  (d) => `SELECT 1 AS found FROM tasks t JOIN files f ON f.id = t.file_id
     WHERE t.state = 'pending' AND t.run_after <= @now AND f.state = 'present' AND t.stage IN ${textList(d, '@stages')}
       AND ${DEPENDENCIES_FINISHED}
     LIMIT 1`,
);

/** Something that changes when a scan starts or ends (phase 1 recorded files a worker has not planned yet). */
export function scanSignature(db: Db): string {
  const row = statement(
    db,
    `SELECT coalesce(max(id), 0) AS last, count(*) AS scans, sum(CASE WHEN ended_at IS NULL THEN 0 ELSE 1 END) AS ended
     FROM scans`,
  ).get() as { last: number; scans: number; ended: number | null };
  return `${Number(row.last)}:${Number(row.scans)}:${Number(row.ended ?? 0)}`;
}

/** Pending tasks of these stages, whatever their backoff: a change means tasks were planned, re-armed or handed back. */
export function pendingCount(db: Db, stages: readonly string[]): number {
  if (stages.length === 0) return 0;
  const row = statement(db, PENDING).get({ stages: JSON.stringify(stages) }) as { n: number };
  return Number(row.n);
}

/** Tasks of these stages that some process holds now, and when the first of their leases runs out. */
export function heldTasks(db: Db, stages: readonly string[]): { running: number; firstExpiry: number | null } {
  if (stages.length === 0) return { running: 0, firstExpiry: null };
  const row = statement(db, HELD).get({ stages: JSON.stringify(stages) }) as { n: number; first: number | null };
  return { running: Number(row.n), firstExpiry: row.first === null ? null : Number(row.first) };
}

/**
 * Whether some task of these stages could be claimed now (pending, due, its file present, its dependencies finished),
 * whoever claims it. A round that ended while such tasks remain met them locked by another worker's claim or planning
 * (SKIP LOCKED passes them by): they are not someone else's yet, so the worker must come back for them.
 */
export function hasClaimable(db: Db, stages: readonly string[], now: number): boolean {
  if (stages.length === 0) return false;
  return statement(db, CLAIMABLE).get({ now, stages: JSON.stringify(stages) }) !== undefined;
}
