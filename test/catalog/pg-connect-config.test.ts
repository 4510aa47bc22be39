/** A catalog URL is read the way libpq reads it: sslmode, password from the URL, $PGPASSWORD or ~/.pgpass. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import '../temp.js';
import { connectionFor, mayFallBackToPlain, passwordFor } from '../../src/catalog/pg/connect-config.js';
import { ExitCode, type UserError } from '../../src/errors.js';

describe('connectionFor', () => {
  it('sslmode=require encrypts without checking the certificate (libpq), verify-full checks it, disable is plain', () => {
    const req = connectionFor('postgres://u@db.example/photos?sslmode=require', {});
    assert.deepEqual([typeof req.config.ssl, (req.config.ssl as { rejectUnauthorized?: boolean }).rejectUnauthorized], ['object', false]);
    const full = connectionFor('postgres://u@db.example/photos?sslmode=verify-full', {});
    assert.equal((full.config.ssl as { rejectUnauthorized?: boolean }).rejectUnauthorized, undefined, 'Node checks the certificate and host by default');
    assert.equal(connectionFor('postgres://u@db.example/photos?sslmode=disable', {}).config.ssl, false);
  });

  it('without sslmode it is prefer, as libpq: TLS when offered, else plain; $PGSSLMODE is read; never TLS over a unix socket', () => {
    const c = connectionFor('postgres://u@db.example/photos', {});
    assert.equal(c.sslmode, 'prefer');
    assert.ok(mayFallBackToPlain(c.sslmode));
    assert.equal(connectionFor('postgres://u@db.example/photos', { PGSSLMODE: 'disable' }).config.ssl, false);
    assert.equal(connectionFor('postgresql://u@%2Fvar%2Frun%2Fpostgresql/photos', {}).config.ssl, false);
  });

  it('a URL that names no server is a usage error naming it (password ***) and why, never the parser\'s "Invalid URL"', () => {
    const refused = (url: string, env: NodeJS.ProcessEnv = {}) => {
      try {
        connectionFor(url, env);
      } catch (err) {
        assert.equal((err as UserError).code, ExitCode.usage);
        return (err as Error).message;
      }
      return assert.fail(`${url} was taken`);
    };
    assert.match(refused('postgres://u:pw@db:99999/photos'), /^catalog postgres:\/\/u:\*\*\*@db:99999\/photos: not a valid PostgreSQL URL: port 99999 is not a number from 1 to 65535; /);
    assert.match(refused('postgres://u@db:http/photos'), /port http is not a number/);
    // A password with an unencoded / (the text before it would read as a port): nothing of it is shown.
    const leaked = refused('postgres://u:s3cr/et@db/photos');
    assert.match(leaked, /^catalog postgres:\/\/\*\*\*: not a valid PostgreSQL URL: a \/ \? or # in the user name or password must be percent-encoded; /);
    assert.doesNotMatch(leaked, /s3cr|et@/);
    assert.match(refused('postgres://u:pw@[db/photos'), /^catalog postgres:\/\/u:\*\*\*@\[db\/photos: not a valid PostgreSQL URL: it cannot be parsed; /);
    assert.match(refused('postgres://u@db/photos', { PGPORT: '0' }), /port 0 \(from \$PGPORT\) is not a number/);
    assert.equal(connectionFor('postgres://u@[::1]:6543/photos', {}).where, '[::1]:6543');
  });

  it('names host:port for messages, with libpq defaults from the environment', () => {
    assert.equal(connectionFor('postgres://u@db.example:6543/photos', {}).where, 'db.example:6543');
    assert.equal(connectionFor('postgresql:///photos', { PGHOST: 'pg.lan', PGPORT: '5433' }).where, 'pg.lan:5433');
    const c = connectionFor('postgres://db.example', { PGUSER: 'alice' });
    assert.equal(c.where, 'db.example:5432');
    assert.equal(c.config.user, 'alice');
    assert.equal(c.config.database, 'alice', 'the database defaults to the user name');
  });
});

describe('passwordFor', () => {
  it('the URL password wins over $PGPASSWORD, which wins over ~/.pgpass', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pgpass-')), 'pgpass');
    fs.writeFileSync(file, 'db.example:5432:photos:alice:from-file\n*:*:*:bob:bobs\n', { mode: 0o600 });
    const before = process.env.PGPASSFILE;
    process.env.PGPASSFILE = file;
    try {
      assert.equal(await passwordFor(connectionFor('postgres://alice:from-url@db.example/photos', { PGPASSWORD: 'env' }).config), 'from-url');
      assert.equal(await passwordFor(connectionFor('postgres://alice@db.example/photos', { PGPASSWORD: 'env' }).config), 'env');
      assert.equal(await passwordFor(connectionFor('postgres://alice@db.example/photos', {}).config), 'from-file');
      assert.equal(await passwordFor(connectionFor('postgres://bob@elsewhere/x', {}).config), 'bobs');
      assert.equal(await passwordFor(connectionFor('postgres://carol@db.example/photos', {}).config), undefined);
      fs.chmodSync(file, 0o644);
      assert.equal(await passwordFor(connectionFor('postgres://alice@db.example/photos', {}).config), undefined, 'a world-readable file is ignored, as libpq does');
    } finally {
      if (before === undefined) delete process.env.PGPASSFILE;
      else process.env.PGPASSFILE = before;
    }
  });
});
