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
 * test process of a run shares it; a changed migration list makes a new one, and templates no run has used for
 * STALE_TEST_DATABASE_S are dropped (dropStaleTestDatabases).
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

/** The template of this migration list: a new list (a branch, a new migration) gets a new one. */
export function testTemplateName(): string {
  return `t_template_${createHash('sha256').update(pgMigrations.join('\0')).digest('hex').slice(0, 16)}`;
}

function migratedTemplate(): string {
  const name = testTemplateName();
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
    markUsed(admin, name);
  } finally {
    admin.prepare('SELECT pg_advisory_unlock(hashtext(?))').get(name);
  }
  dropStaleTestDatabases(admin, name);
  return name;
}

/** How long a template no test process picked, or a test database nobody dropped, is kept on a long-lived server. */
export const STALE_TEST_DATABASE_S = 6 * 3600;

/** Stamps the template as used now (server time), so another branch's cleanup keeps it while this branch's tests run. */
function markUsed(admin: PgDb, template: string): void {
  const now = Number((admin.prepare('SELECT extract(epoch from now())::bigint AS now').get() as { now: unknown }).now);
  admin.exec(`COMMENT ON DATABASE ${template} IS 'indexer test template, last used ${now}'`);
}

/**
 * A long-lived INDEXER_TEST_PG server gathers a template per migration list (each branch, each new migration) and the
 * databases of test processes killed before their cleanup ran. Dropped here: templates other than `keep` that no
 * test process picked for STALE_TEST_DATABASE_S, and per-test databases older than that (no test runs that long).
 * Returns the names dropped.
 */
export function dropStaleTestDatabases(admin: PgDb, keep: string, staleS = STALE_TEST_DATABASE_S): string[] {
  const rows = admin
    .prepare(
      `SELECT datname AS name, shobj_description(oid, 'pg_database') AS note, extract(epoch from now())::bigint AS now,
              extract(epoch from (pg_stat_file('base/' || oid || '/PG_VERSION', true)).modification)::bigint AS created
         FROM pg_database WHERE datname ~ '^t_[0-9a-z_]+$' AND datname <> ?`,
    )
    .all(keep) as Array<{ name: string; note: string | null; now: unknown; created: unknown }>;
  const dropped: string[] = [];
  for (const r of rows) {
    const isTemplate = r.name.startsWith('t_template_');
    const stamp = isTemplate ? (/last used (\d+)/.exec(r.note ?? '')?.[1] ?? r.created) : r.created;
    // No files (yet, or any more): another test process is creating or dropping it right now.
    if (stamp === null || stamp === undefined) continue;
    if (Number(r.now) - Number(stamp) < staleS) continue;
    admin.exec(`DROP DATABASE IF EXISTS ${r.name} WITH (FORCE)`);
    dropped.push(r.name);
  }
  return dropped;
}
