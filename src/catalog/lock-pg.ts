/**
 * One writer per PostgreSQL catalog (scan, resume, retry...): a session advisory lock held on the writer's own
 * connection, so it ends with that connection whatever happens to the process (kill -9, power, network) and needs no
 * stale-lock recovery. Same contract as lock.ts: UserError(75) naming the holder unless `wait`, which polls until it
 * is free (an abort of `signal` throws UserError(130)). `indexer worker` does not take it.
 */
import { ExitCode, UserError } from '../errors.js';
import type { PgDb } from './pg/pg-db.js';
import { WRITER_LOCK_KEY } from './pg/lock-keys.js';
import { pause } from './lock.js';


export async function acquirePgWriterLock(
  db: PgDb,
  opts: { wait: boolean; signal?: AbortSignal; notice?: (message: string) => void },
): Promise<() => void> {
  const tryLock = db.prepare('SELECT pg_try_advisory_lock(?)').pluck();
  let noticed = false;
  while (!(tryLock.get(WRITER_LOCK_KEY) as boolean)) {
    const busy = `another indexer (${holderOf(db)}) is using ${db.shownUrl}`;
    if (!opts.wait) throw new UserError(`${busy}; add --wait to wait for it`, ExitCode.busy);
    if (!noticed) {
      noticed = true;
      opts.notice?.(`${busy} (waiting for it)`);
    }
    await pause(opts.signal, db.shownUrl);
  }
  let released = false;
  return () => {
    if (released || !db.open) return;
    released = true;
    try {
      db.prepare('SELECT pg_advisory_unlock(?)').run(WRITER_LOCK_KEY);
    } catch {
      /* a lost connection has already released it */
    }
  };
}

/**
 * "pid N on host H" from the holder's application_name (PgDb sets `indexer pid=N host=H`); the server's backend pid
 * for a holder that is not an indexer.
 */
function holderOf(db: PgDb): string {
  const row = db
    .prepare(
      `SELECT a.application_name AS app, a.pid AS backend FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.classid = @high AND l.objid = @low AND l.objsubid = 1`,
    )
    .get({ high: Math.floor(WRITER_LOCK_KEY / 2 ** 32), low: WRITER_LOCK_KEY % 2 ** 32 }) as { app: string; backend: number } | undefined;
  const m = row && /^indexer pid=(\d+) host=(.*)$/.exec(row.app);
  if (m) return `pid ${m[1]} on host ${m[2]}`;
  return row ? `server process ${row.backend}` : 'a process that just let go';
}
