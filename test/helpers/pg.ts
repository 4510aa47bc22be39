/**
 * PostgreSQL for tests: `npm test` (scripts/test-run.ts) starts a throwaway server and exports its admin URL as
 * INDEXER_TEST_PG. Each test gets a fresh database of its own (dropped after the test), so tests never see each
 * other's rows. Without INDEXER_TEST_PG (a local `node --test` run, no PostgreSQL installed) the tests skip with
 * PG_SKIP's message.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import '../temp.js';
import { PgDb } from '../../src/catalog/pg/pg-db.js';
import { pgMigrations } from '../../src/catalog/migrations/pg/index.js';
import { openCatalog } from '../../src/catalog/open.js';

const adminUrl = process.env.INDEXER_TEST_PG;

/** For `{ skip: PG_SKIP }` on a describe or it: false when a server is there, else why the test cannot run. */
export const PG_SKIP: string | false = adminUrl
  ? false
  : 'INDEXER_TEST_PG is unset: run through `npm test` (starts a PostgreSQL server when one is installed) or set it to an admin URL';

let admin: PgDb | null = null;
function adminDb(): PgDb {
  if (!adminUrl) throw new Error(PG_SKIP as string);
  if (!admin) {
    admin = new PgDb(adminUrl);
    process.once('exit', () => admin?.close());
  }
  return admin;
}

/** The URL of `name` on the test server (same user and host as the admin URL). */
export function databaseUrl(name: string): string {
  const url = new URL(adminUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates an empty database and returns its URL; the database is dropped (connections and all) after the test. */
export function freshPgDatabase(t: TestContext): string {
  const name = `t_${randomBytes(6).toString('hex')}`;
  adminDb().exec(`CREATE DATABASE ${name}`);
  t.after(() => {
    adminDb().exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return databaseUrl(name);
}

/**
 * Like freshPgDatabase, but holding a migrated catalog already: cloned from a template database migrated once per
 * server and migration list (CREATE DATABASE ... TEMPLATE copies files; running the migrations again took most of a
 * catalog test's time on PostgreSQL). The template stays on the server, named by a hash of the migrations, so every
 * test process of a run shares it; a changed migration list makes a new one.
 */
export function freshPgCatalogDatabase(t: TestContext): string {
  template ??= migratedTemplate();
  const name = `t_${randomBytes(6).toString('hex')}`;
  adminDb().exec(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  t.after(() => {
    adminDb().exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return databaseUrl(name);
}

let template: string | null = null;

function migratedTemplate(): string {
  const name = `t_template_${createHash('sha256').update(pgMigrations.join('\0')).digest('hex').slice(0, 16)}`;
  const admin = adminDb();
  // Test processes run in parallel: one builds the template while the others wait here, then find it.
  admin.prepare('SELECT pg_advisory_lock(hashtext(?))').get(name);
  try {
    if (!admin.prepare('SELECT 1 FROM pg_database WHERE datname = ?').get(name)) {
      admin.exec(`CREATE DATABASE ${name}`);
      try {
        openCatalog(databaseUrl(name)).close();
      } catch (err) {
        admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        throw err;
      }
    }
  } finally {
    admin.prepare('SELECT pg_advisory_unlock(hashtext(?))').get(name);
  }
  return name;
}
