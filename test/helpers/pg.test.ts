/**
 * The test helpers' cleanup on a long-lived INDEXER_TEST_PG server: templates of other migration lists that no test
 * process used for a while, and test databases a killed test process never dropped, go; the current template, a
 * template another branch is using now and fresh test databases stay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PgDb } from '../../src/catalog/pg/pg-db.js';
import { PG_SKIP, STALE_TEST_DATABASE_S, dropStaleTestDatabases, freshPgCatalogDatabase, testTemplateName } from './pg.js';

test('stale test templates and abandoned test databases are dropped; what is in use stays', { skip: PG_SKIP }, (t) => {
  const current = new URL(freshPgCatalogDatabase(t)); // makes (or finds) this migration list's template
  const admin = new PgDb(process.env.INDEXER_TEST_PG!);
  const names = (): string[] => (admin.prepare(`SELECT datname FROM pg_database`).all() as Array<{ datname: string }>).map((r) => r.datname);
  const template = testTemplateName();
  const now = Number((admin.prepare('SELECT extract(epoch from now())::bigint AS now').get() as { now: unknown }).now);
  const suffix = Math.random().toString(16).slice(2, 10);
  const stale = `t_template_stale${suffix}`;
  const inUse = `t_template_inuse${suffix}`;
  const abandoned = `t_abandoned${suffix}`;
  for (const db of [stale, inUse, abandoned]) admin.exec(`CREATE DATABASE ${db}`);
  t.after(() => {
    for (const db of [stale, inUse, abandoned]) admin.exec(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    admin.close();
  });
  admin.exec(`COMMENT ON DATABASE ${stale} IS 'indexer test template, last used ${now - STALE_TEST_DATABASE_S - 60}'`);
  admin.exec(`COMMENT ON DATABASE ${inUse} IS 'indexer test template, last used ${now - 60}'`);
  // A test database is as old as its files: age the abandoned one's, where this process can reach the server's folder.
  const dataDir = String((admin.prepare('SHOW data_directory').get() as { data_directory: unknown }).data_directory);
  const oid = Number((admin.prepare('SELECT oid FROM pg_database WHERE datname = ?').get(abandoned) as { oid: unknown }).oid);
  const versionFile = path.join(dataDir, 'base', String(oid), 'PG_VERSION');
  let aged = false;
  try {
    const then = new Date((now - STALE_TEST_DATABASE_S - 60) * 1000);
    fs.utimesSync(versionFile, then, then);
    aged = true;
  } catch {
    // a server on another machine or user: the template part still runs
  }

  const dropped = dropStaleTestDatabases(admin, template).filter((n) => n.endsWith(suffix));
  assert.deepEqual(dropped.sort(), aged ? [abandoned, stale] : [stale]);
  const left = names();
  assert.ok(left.includes(template), 'the current template stays');
  assert.ok(left.includes(inUse), 'a template another run used a minute ago stays');
  assert.ok(left.includes(current.pathname.slice(1)), "this test's own fresh database stays");
  assert.ok(!left.includes(stale));
});
