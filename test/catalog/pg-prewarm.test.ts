/**
 * The CLI prewarms a PostgreSQL catalog's bridge thread and connection while it loads (catalog/pg/prewarm.ts). What
 * a user relies on: the catalog opened then is the one named, works as ever, and an unreachable server still gives
 * its one line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../src/errors.js';
import { PgDb } from '../../src/catalog/pg/pg-db.js';
import { prewarmPgBridge, takePgBridge } from '../../src/catalog/pg/prewarm.js';
import { freePort } from '../../scripts/pg-server.js';
import { PG_SKIP, freshPgDatabase } from '../helpers/pg.js';

describe('prewarmPgBridge', { skip: PG_SKIP }, () => {
  it('the catalog opened next takes the prewarmed connection; another URL gets one of its own', (t) => {
    const [a, b] = [freshPgDatabase(t), freshPgDatabase(t)];
    prewarmPgBridge(a);
    const db = new PgDb(a);
    t.after(() => void db.close());
    assert.equal(takePgBridge(a), null, 'taken by the catalog');
    assert.equal(db.prepare('SELECT current_database()').pluck().get(), new URL(a).pathname.slice(1));

    prewarmPgBridge(a);
    const other = new PgDb(b);
    t.after(() => void other.close());
    assert.equal(other.prepare('SELECT current_database()').pluck().get(), new URL(b).pathname.slice(1));
    assert.equal(takePgBridge(a), null, 'the unused one was dropped');
  });

  it('a server that cannot be reached is the same one-line error, prewarmed or not', async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    prewarmPgBridge(url);
    assert.throws(() => new PgDb(url), (e: unknown) => e instanceof UserError && e.code === 1 && /^cannot reach PostgreSQL at 127\.0\.0\.1:\d+: connection refused/.test(e.message));
  });
});
