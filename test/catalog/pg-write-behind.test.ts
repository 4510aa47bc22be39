/**
 * PgDb's write-behind (src/catalog/pg/write-behind.ts): inside `deferWrites`, a transaction's writes travel to the
 * server together, yet it keeps the transaction semantics callers rely on: a failing write rolls back its transaction
 * (or only its savepoint), reads see the writes before them, and `changes` is right.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { PgStatementError } from '../../src/catalog/pg/errors.js';
import { PgDb } from '../../src/catalog/pg/pg-db.js';
import { deferWrites } from '../../src/catalog/sql.js';
import { PG_SKIP, freshPgDatabase } from '../helpers/pg.js';

function withTable(t: TestContext): PgDb {
  const db = new PgDb(freshPgDatabase(t));
  t.after(() => void db.close());
  db.exec(`CREATE TABLE t (name text PRIMARY KEY, n bigint)`);
  return db;
}

const names = (db: PgDb) => db.prepare('SELECT name FROM t ORDER BY name').pluck().all();

describe('PgDb write-behind', { skip: PG_SKIP }, () => {
  it("a deferred transaction's writes reach the server in one round trip, BEGIN and COMMIT included", (t) => {
    const db = withTable(t);
    const insert = db.prepare('INSERT INTO t (name, n) VALUES (?, ?)');
    const before = db.traffic.roundTrips;
    deferWrites(db, () => db.transaction(() => ['a', 'b', 'c', 'd'].forEach((name, n) => insert.run(name, n)))());
    assert.equal(db.traffic.roundTrips - before, 1);
    assert.deepEqual(names(db), ['a', 'b', 'c', 'd']);
    // Outside deferWrites, one round trip per statement as before.
    const plain = db.traffic.roundTrips;
    db.transaction(() => insert.run('e', 5))();
    assert.equal(db.traffic.roundTrips - plain, 3);
  });

  it('a read sends the writes before it and sees them; `changes` sends the queue and is the real count', (t) => {
    const db = withTable(t);
    const insert = db.prepare('INSERT INTO t (name, n) VALUES (?, ?)');
    const bump = db.prepare('UPDATE t SET n = n + 1 WHERE n >= ?');
    const seen = deferWrites(db, () =>
      db.transaction(() => {
        insert.run('a', 1);
        insert.run('b', 2);
        const count = db.prepare('SELECT count(*) AS n FROM t').get() as { n: number };
        const bumped = bump.run(2);
        const missed = bump.run(100);
        return { count: count.n, bumped: bumped.changes, missed: missed.changes };
      })(),
    );
    assert.deepEqual(seen, { count: 2, bumped: 1, missed: 0 });
  });

  it('a write that fails throws at the end of its transaction, and nothing of that transaction stays', (t) => {
    const db = withTable(t);
    db.prepare('INSERT INTO t (name, n) VALUES (?, ?)').run('taken', 0);
    const insert = db.prepare('INSERT INTO t (name, n) VALUES (?, ?)');
    const tx = db.transaction(() => {
      insert.run('x', 1);
      insert.run('taken', 2); // duplicate key: refused by the server
      insert.run('y', 3);
    });
    assert.throws(() => deferWrites(db, () => tx()), (err) => err instanceof PgStatementError && err.code === '23505');
    assert.deepEqual(names(db), ['taken']);
    assert.equal(db.inTransactionNow, false);
    // The connection goes on, deferred or not.
    deferWrites(db, () => db.transaction(() => insert.run('z', 4))());
    assert.deepEqual(names(db), ['taken', 'z']);
  });

  it('a nested transaction whose write fails rolls back to its savepoint; the outer one commits the rest', (t) => {
    const db = withTable(t);
    const insert = db.prepare('INSERT INTO t (name, n) VALUES (?, ?)');
    const inner = db.transaction((name: string) => insert.run(name, 0));
    const caught: string[] = [];
    deferWrites(db, () =>
      db.transaction(() => {
        insert.run('first', 1);
        for (const name of ['ok1', 'first', 'ok2']) {
          try {
            inner(name);
          } catch (err) {
            caught.push(`${name}: ${(err as PgStatementError).code}`);
          }
        }
      })(),
    );
    assert.deepEqual(caught, ['first: 23505'], 'the duplicate fails inside its own savepoint');
    assert.deepEqual(names(db), ['first', 'ok1', 'ok2']);
  });

  it('a throw from the function drops the writes not sent yet and rolls back those that were', (t) => {
    const db = withTable(t);
    const insert = db.prepare('INSERT INTO t (name, n) VALUES (?, ?)');
    assert.throws(
      () =>
        deferWrites(db, () =>
          db.transaction(() => {
            insert.run('sent', 1);
            db.prepare('SELECT 1').get(); // sends BEGIN and the first insert
            insert.run('queued', 2);
            throw new Error('changed my mind');
          })(),
        ),
      /changed my mind/,
    );
    assert.deepEqual(names(db), []);
    assert.equal(db.inTransactionNow, false);
  });

  it('writes deferred inside a transaction opened outside deferWrites land in order, with that transaction', (t) => {
    const db = withTable(t);
    const insert = db.prepare('INSERT INTO t (name, n) VALUES (?, ?)');
    db.transaction(() => {
      insert.run('a', 1);
      deferWrites(db, () => {
        insert.run('b', 2);
        insert.run('c', 3);
      });
      insert.run('d', 4);
      assert.deepEqual(db.prepare('SELECT name FROM t ORDER BY n').pluck().all(), ['a', 'b', 'c', 'd']);
    })();
    assert.deepEqual(names(db), ['a', 'b', 'c', 'd']);
  });
});
