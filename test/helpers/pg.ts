/**
 * PostgreSQL for tests: `npm test` (scripts/test-run.ts) starts a throwaway server and exports its admin URL as
 * INDEXER_TEST_PG. Each test gets a fresh database of its own (dropped after the test), so tests never see each
 * other's rows. Without INDEXER_TEST_PG (a local `node --test` run, no PostgreSQL installed) the tests skip with
 * PG_SKIP's message.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import '../temp.js';
import { PgDb } from '../../src/catalog/pg/pg-db.js';

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
