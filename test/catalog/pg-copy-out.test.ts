/**
 * PgDb.copyOut: bulk reads through COPY's binary format on a real server (search's cache build reads every embedding
 * this way). What a caller relies on: every value comes back exactly (ids past 2^31, any bytes), however many batches
 * it takes; leaving a read early or a failed one leaves the connection usable; inside a transaction it declines.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { PgStatementError } from '../../src/catalog/pg/errors.js';
import { PgDb } from '../../src/catalog/pg/pg-db.js';
import { integerCell } from '../../src/catalog/vector-read.js';
import type { BinaryRows } from '../../src/catalog/sql.js';
import { PG_SKIP, freshPgDatabase } from '../helpers/pg.js';

function withRows(t: TestContext, n: number): { db: PgDb; rows: [number, Buffer | null][] } {
  const db = new PgDb(freshPgDatabase(t));
  t.after(() => void db.close());
  db.exec(`CREATE TABLE t (id bigint PRIMARY KEY, label text, blob bytea)`);
  const rows: [number, Buffer | null][] = Array.from({ length: n }, (_, i) => [
    (i % 2 ? -1 : 1) * (2 ** 40 + i * 2 ** 31 + 7),
    i % 11 === 5 ? null : randomBytes(i % 3 === 0 ? 0 : 100 + ((i * 37) % 3000)),
  ]);
  const insert = db.prepare(`INSERT INTO t (id, label, blob) VALUES (?, ?, ?)`);
  db.transaction(() => rows.forEach(([id, blob], i) => insert.run(id, `it's \\ row ${i}`, blob)))();
  return { db, rows };
}

/** [id, label, blob] of every row of the batches. */
function decode(batches: Iterable<BinaryRows>): [number, string, Buffer | null][] {
  const out: [number, string, Buffer | null][] = [];
  for (const b of batches) {
    const [ids, labels, blobs] = b.columns as [BinaryRows['columns'][0], BinaryRows['columns'][0], BinaryRows['columns'][0]];
    const cell = (c: BinaryRows['columns'][0], r: number) =>
      c.cells[2 * r + 1] === -1 ? null : Buffer.from(c.bytes.subarray(c.cells[2 * r]!, c.cells[2 * r]! + c.cells[2 * r + 1]!));
    for (let r = 0; r < b.rows; r++) {
      const id = integerCell(new DataView(ids.bytes.buffer, ids.bytes.byteOffset, ids.bytes.length), ids.cells[2 * r]!, ids.cells[2 * r + 1]!);
      out.push([id, cell(labels, r)!.toString('utf8'), cell(blobs, r)]);
    }
  }
  return out;
}

describe('PgDb.copyOut', { skip: PG_SKIP }, () => {
  it('reads every row exactly over many batches: int8 ids past 2^31, bytea of any length, NULL, parameters inlined', (t) => {
    const { db, rows } = withRows(t, 3000);
    let batches = 0;
    const read = decode(
      (function* () {
        for (const b of db.copyOut(`SELECT id, label, blob FROM t WHERE left(label, 7) = ? AND id <> ? ORDER BY abs(id)`, [`it's \\ `, -1], 64 * 1024)!) {
          batches++;
          yield b;
        }
      })(),
    );
    assert.ok(batches > 20, `${batches} batches`);
    assert.deepEqual(
      read,
      rows.map(([id, blob], i) => [id, `it's \\ row ${i}`, blob]),
    );
  });

  it('a read left early, or one that fails, leaves the connection usable', (t) => {
    const { db, rows } = withRows(t, 500);
    for (const _batch of db.copyOut(`SELECT id, label, blob FROM t`, [], 4096)!) break;
    assert.equal(db.prepare('SELECT count(*) FROM t').pluck().get(), 500);
    assert.throws(() => [...db.copyOut(`SELECT id, label, blob FROM no_such_table`)!], (e) => e instanceof PgStatementError && /no_such_table/.test(e.message));
    assert.throws(() => [...db.copyOut(`SELECT id, 1 / (id - ?), blob FROM t`, [rows[300]![0]], 4096)!], /division by zero/);
    assert.equal(decode(db.copyOut(`SELECT id, label, blob FROM t WHERE id = ?`, [rows[9]![0]])!).length, 1);
  });

  it('declines inside a transaction (its own connection would not see the transaction\'s writes)', (t) => {
    const { db } = withRows(t, 1);
    db.transaction(() => assert.equal(db.copyOut(`SELECT id FROM t`), null))();
    assert.notEqual(db.copyOut(`SELECT id FROM t`), null);
  });
});
