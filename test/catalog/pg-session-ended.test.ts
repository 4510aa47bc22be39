/**
 * A server that ends the session right after the login (here idle_session_timeout = 1 ms; a shutdown does the same)
 * may send its FATAL in the same packet as ReadyForQuery. The connection's bridge thread must take it as a lost
 * connection (CatalogUnavailableError, at once), not die of an 'error' event nobody listened to yet: then the caller
 * waited 15 s for "bridge thread stopped answering".
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { PgDb } from '../../src/catalog/pg/pg-db.js';
import { CatalogUnavailableError } from '../../src/catalog/pg/errors.js';
import { PG_SKIP, freshPgDatabase } from '../helpers/pg.js';

it('a session ended by the server at once is a lost connection, answered at once, every time', { skip: PG_SKIP, timeout: 120_000 }, async (t) => {
  const url = freshPgDatabase(t);
  const admin = new PgDb(url);
  admin.exec(`ALTER DATABASE ${new URL(url).pathname.slice(1)} SET idle_session_timeout = 1`);
  admin.close();
  const outcomes = new Map<string, number>();
  for (let i = 0; i < 12; i++) {
    const started = Date.now();
    let db: PgDb | null = null;
    let outcome = 'ok';
    try {
      db = new PgDb(url);
      db.prepare('SELECT 1 AS one').get();
      await new Promise((r) => setTimeout(r, 5));
      db.prepare('SELECT 1 AS one').get();
    } catch (err) {
      outcome = err instanceof CatalogUnavailableError ? 'lost' : `${(err as Error).name}: ${(err as Error).message}`;
    } finally {
      db?.close();
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    assert.ok(Date.now() - started < 5_000, `attempt ${i} took ${Date.now() - started} ms (${outcome})`);
  }
  assert.deepEqual([...outcomes.keys()], ['lost'], JSON.stringify([...outcomes]));
});
