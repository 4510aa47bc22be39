/**
 * "The same catalog test suite runs on both backends": `forEachBackend((backend) => { it(...) })` declares the body
 * once per backend, inside `describe('sqlite')` and `describe('postgres')`. `backend.open(t)` gives a fresh, migrated
 * catalog (a temp SQLite file, or a new PostgreSQL database), closed after the test. The postgres suite skips, saying
 * why, when INDEXER_TEST_PG is unset.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, type TestContext } from 'node:test';
import '../temp.js';
import { openCatalog, type OpenOptions } from '../../src/catalog/open.js';
import type { Db } from '../../src/catalog/sql.js';
import { PG_SKIP, freshPgCatalogDatabase, freshPgDatabase } from './pg.js';

export type BackendName = 'sqlite' | 'postgres';

export interface Backend {
  name: BackendName;
  /** A catalog target (file path or URL) for a new catalog; nothing is created yet (for CLI tests). */
  target(t: TestContext): string;
  /** A fresh catalog, opened and migrated; closed after the test. */
  open(t: TestContext, options?: OpenOptions): Db;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    target: () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-')), 'catalog.db'),
    open(t, options) {
      return opened(t, openCatalog(this.target(t), options) as unknown as Db);
    },
  },
  {
    name: 'postgres',
    target: (t) => freshPgDatabase(t),
    open(t, options) {
      // A migrated catalog cloned from a template, unless the options ask for what opening an empty database does.
      const target = options && Object.keys(options).length > 0 ? this.target(t) : freshPgCatalogDatabase(t);
      return opened(t, openCatalog(target, options) as unknown as Db);
    },
  },
];

function opened(t: TestContext, db: Db): Db {
  t.after(() => void db.close());
  return db;
}

/** One backend alone, for a test whose subject is not the catalog (a walker's buffering) but which needs one. */
export function backendNamed(name: BackendName): Backend {
  return backends.find((b) => b.name === name)!;
}

export function forEachBackend(body: (backend: Backend) => void): void {
  for (const backend of backends) {
    describe(backend.name, { skip: backend.name === 'postgres' ? PG_SKIP : false }, () => body(backend));
  }
}
