import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { UserError } from '../src/errors.js';
import { resolveCatalogPath, withoutPassword } from '../src/paths.js';

describe('resolveCatalogPath', () => {
  it('resolves a file path, a Windows-style drive path and the default as files', () => {
    assert.equal(resolveCatalogPath('x/cat.db', {}), path.resolve('x/cat.db'));
    assert.equal(resolveCatalogPath('C://cat.db', {}), path.resolve('C://cat.db'));
    assert.equal(resolveCatalogPath(undefined, { XDG_DATA_HOME: '/d' }), '/d/indexer/catalog.db');
  });

  it('refuses any scheme:// URL, from the flag before the environment', () => {
    assert.throws(() => resolveCatalogPath('postgres://u@h/db', {}), (e: unknown) => e instanceof UserError && e.code === 2);
    assert.throws(() => resolveCatalogPath(undefined, { INDEXER_DB: 'POSTGRESQL://h/db' }), /\$INDEXER_DB POSTGRESQL:\/\/h\/db: PostgreSQL/);
    assert.throws(() => resolveCatalogPath('sqlite:///tmp/x.db', { INDEXER_DB: 'x.db' }), /--db sqlite:\/\/\/tmp\/x\.db: .*sqlite:\/\/ URLs/);
  });
});

describe('withoutPassword', () => {
  it('drops the password from user info, even one holding @ or :', () => {
    assert.equal(withoutPassword('postgres://u:pw@h:5432/db'), 'postgres://u@h:5432/db');
    assert.equal(withoutPassword('postgres://u:p@ss:w@h/db?x=1'), 'postgres://u@h/db?x=1');
    assert.equal(withoutPassword('postgres://u@h/db'), 'postgres://u@h/db');
    assert.equal(withoutPassword('postgres://h:5432'), 'postgres://h:5432');
  });

  it('masks a password= parameter', () => {
    assert.equal(withoutPassword('postgres://h/db?sslmode=require&password=x&y=2'), 'postgres://h/db?sslmode=require&password=***&y=2');
  });
});
