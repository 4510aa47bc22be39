/**
 * catalog/faults.ts: the catalog's own faults (disk full, read-only, server gone) are told apart from a statement's
 * errors, so no task is charged for them and the run stops with one line naming the catalog. The codes are checked
 * as each backend really raises them, not only as literals.
 */
import { it, test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogFaultCode, catalogFaultError } from '../../src/catalog/faults.js';
import { CatalogUnavailableError } from '../../src/catalog/pg/errors.js';
import { openCatalog } from '../../src/catalog/open.js';
import { rootsCatalog } from '../../src/catalog/roots.js';
import { listRoots } from '../../src/catalog/root-admin.js';
import { forEachBackend } from '../helpers/backends.js';

const withCode = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

forEachBackend((backend) => {
  it("a write to a read-only catalog is the catalog's fault, named in one line; reads still work", (t) => {
    const target = backend.target(t);
    const writer = openCatalog(target);
    t.after(() => void writer.close());
    rootsCatalog(writer).ensure('/photos', 1);
    const reader = openCatalog(target, { readonly: true });
    t.after(() => void reader.close());
    assert.deepEqual(listRoots(reader).map((r) => r.path), ['/photos']);
    const err = thrown(() => rootsCatalog(reader).ensure('/more', 2));
    const code = catalogFaultCode(err);
    assert.match(String(code), backend.name === 'sqlite' ? /^SQLITE_READONLY/ : /^25006$/);
    assert.match(catalogFaultError(target, err).message, new RegExp(`^catalog ${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*; work committed so far is kept`));
  });

  it("a statement's own error (a constraint) is no catalog fault; inside a transaction only its savepoint rolls back", (t) => {
    const db = backend.open(t);
    const roots = rootsCatalog(db);
    const duplicate = db.prepare(`INSERT INTO roots (path, added_at) VALUES (?, ?)`);
    db.transaction(() => {
      roots.ensure('/a', 1);
      const err = thrown(() => db.transaction(() => duplicate.run('/a', 2))());
      assert.equal(catalogFaultCode(err), null);
      assert.match(String((err as { code?: string }).code), backend.name === 'sqlite' ? /^SQLITE_CONSTRAINT/ : /^23505$/);
      roots.ensure('/b', 3); // the transaction goes on after the failed savepoint
    })();
    assert.deepEqual(roots.list().map((r) => [r.path, r.addedAt]), [['/a', 1], ['/b', 3]]);
  });
});

test("the catalog's own faults are told apart from a statement's errors, on SQLite and PostgreSQL", () => {
  for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY', '53100', '08006', '08003', '25006', '57P01']) {
    assert.equal(catalogFaultCode(withCode(code)), code, code);
  }
  // A constraint, a syntax error, a serialization failure or a lock timeout is the statement's, not the catalog's.
  for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', '23505', '42601', '40001', '55P03', 'ENOENT']) {
    assert.equal(catalogFaultCode(withCode(code)), null, code);
  }
  assert.equal(catalogFaultCode(new Error('no code')), null);
});

test('a full disk and a lost server get the hint that fits them', () => {
  assert.match(catalogFaultError('postgres://db', withCode('53100', 'could not extend file')).message, /disk holding it is full/);
  assert.match(catalogFaultError('/c.db', withCode('SQLITE_FULL', 'database or disk is full')).message, /disk holding it is full/);
  const lost = catalogFaultError('postgres://h/db', withCode('57P01', 'terminating connection due to administrator command'));
  assert.match(lost.message, /^catalog postgres:\/\/h\/db: terminating connection .* \(57P01\); its server cannot be reached/);
});

test('a lost PostgreSQL server without a SQLSTATE (SIGKILL, a reset socket) is a catalog fault with the resume hint', () => {
  const where = 'lost the PostgreSQL catalog at 127.0.0.1:5432';
  for (const [code, cause] of [
    ['ECONNRESET', 'connection reset (ECONNRESET)'],
    ['EPIPE', 'write EPIPE'],
    ['ECONNREFUSED', 'connection refused (is PostgreSQL running and listening there?) (ECONNREFUSED)'],
    [undefined, 'Connection terminated unexpectedly'],
  ] as const) {
    const err = new CatalogUnavailableError(`${where}: ${cause}`, code);
    assert.equal(catalogFaultCode(err), '08006', String(code));
    const line = catalogFaultError('postgres://h/db', err).message;
    assert.match(line, /; its server cannot be reached; work committed so far is kept: run 'indexer resume' once it is back$/, line);
    // The errno once, as the cause gave it; no code invented when there was none.
    assert.equal(line.split(code ?? '(08006)').length - 1, code ? 1 : 0, line);
  }
  // With a SQLSTATE it keeps that code.
  assert.equal(catalogFaultCode(new CatalogUnavailableError(`${where}: terminating connection`, '57P01')), '57P01');
});
