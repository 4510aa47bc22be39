import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { UserError } from '../src/errors.js';
import { redactPassword, redactUrls, resolveCatalogPath, withoutPassword } from '../src/paths.js';

describe('resolveCatalogPath', () => {
  it('resolves a file path, a Windows-style drive path and the default as files', () => {
    assert.equal(resolveCatalogPath('x/cat.db', {}), path.resolve('x/cat.db'));
    assert.equal(resolveCatalogPath('C://cat.db', {}), path.resolve('C://cat.db'));
    assert.equal(resolveCatalogPath(undefined, { XDG_DATA_HOME: '/d' }), '/d/indexer/catalog.db');
  });

  it('keeps a postgres:// or postgresql:// URL as it is (any case), from the flag before the environment', () => {
    assert.equal(resolveCatalogPath('postgres://u:pw@h/db?sslmode=require', { INDEXER_DB: 'x.db' }), 'postgres://u:pw@h/db?sslmode=require');
    assert.equal(resolveCatalogPath(undefined, { INDEXER_DB: 'POSTGRESQL://h/db' }), 'POSTGRESQL://h/db');
  });

  it('refuses any other scheme:// URL with exit 2, from the flag before the environment, without the password', () => {
    assert.throws(() => resolveCatalogPath('mysql://u:pw@h/db', {}), (e: unknown) => e instanceof UserError && e.code === 2 && !e.message.includes('pw'));
    assert.throws(() => resolveCatalogPath(undefined, { INDEXER_DB: 'pg://h/db' }), /\$INDEXER_DB pg:\/\/h\/db: .*pg:\/\/ URLs are not supported/);
    assert.throws(() => resolveCatalogPath('sqlite:///tmp/x.db', { INDEXER_DB: 'postgres://h/db' }), /--db sqlite:\/\/\/tmp\/x\.db: .*sqlite:\/\/ URLs/);
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

describe('redactPassword / redactUrls', () => {
  it('shows that a password was given, never the password itself', () => {
    assert.equal(redactPassword('postgres://u:pw@h:5432/db'), 'postgres://u:***@h:5432/db');
    assert.equal(redactPassword('postgresql://u:p@ss:w@h/db?x=1&password=y'), 'postgresql://u:***@h/db?x=1&password=***');
    assert.equal(redactPassword('postgres://u@h/db'), 'postgres://u@h/db');
    assert.equal(redactPassword('postgres://h:5432/db'), 'postgres://h:5432/db');
  });

  it('redacts every URL inside a message, and nothing else', () => {
    const msg = "catalog postgres://bob:hunter2@db.lan/photos: gone; copy to 'POSTGRESQL://al:s3cret@h/x' failed (code 42)";
    assert.equal(redactUrls(msg), "catalog postgres://bob:***@db.lan/photos: gone; copy to 'POSTGRESQL://al:***@h/x' failed (code 42)");
    assert.equal(redactUrls('no url: a:b@c'), 'no url: a:b@c');
  });
});
