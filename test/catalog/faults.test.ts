import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogFaultCode, catalogFaultError } from '../../src/catalog/faults.js';

const withCode = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

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
