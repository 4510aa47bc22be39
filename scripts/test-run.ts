/**
 * `npm test`: starts one throwaway PostgreSQL server (scripts/pg-server.ts) when PostgreSQL is installed, exports
 * INDEXER_TEST_PG=postgres://postgres@127.0.0.1:PORT/postgres, runs the whole `node --test` file list (or the files
 * given as arguments), then stops the server whatever happened (tests failed, Ctrl-C, SIGTERM).
 *
 * Without PostgreSQL the PostgreSQL tests skip, saying why; with CI=true that is an error: CI must run them.
 * An INDEXER_TEST_PG already set is used as it is (no server started).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findPgBin, startPgServer, type PgServer } from './pg-server.js';

function testFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.js')) found.push(p);
    }
  };
  walk(root);
  return found.sort();
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const files = args.length ? args : testFiles('dist/test');
  let server: PgServer | null = null;
  if (!process.env.INDEXER_TEST_PG) {
    if (findPgBin()) {
      server = await startPgServer();
      process.env.INDEXER_TEST_PG = server.url;
      console.error(`test-run: PostgreSQL test server at ${server.url}`);
    } else if (process.env.CI === 'true') {
      console.error('test-run: CI=true but PostgreSQL is not installed (no initdb/pg_ctl): the PostgreSQL tests cannot run. Install the Debian package `postgresql`.');
      return 1;
    } else {
      console.error('test-run: PostgreSQL is not installed: the PostgreSQL catalog tests will be skipped');
    }
  }
  const child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env: process.env });
  // Ctrl-C reaches the child through the terminal's process group; a SIGTERM sent to us alone is passed on.
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  const code = await new Promise<number>((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig === 'SIGINT' ? 130 : 143))));
  server?.stop();
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`test-run: ${(err as Error).message}`);
    process.exit(1);
  },
);
