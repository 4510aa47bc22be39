/**
 * `indexer migrate --to TARGET`: copies the catalog (--db / $INDEXER_DB) into an empty catalog at TARGET, a
 * `postgres://` URL or a FILE.db path, keeping every result (src/catalog/copy.ts does the copy).
 *
 * Both catalogs are held as their writer while the copy runs: no scan may change the source under it, nor start on
 * the target before it is whole. A target file that this command created is removed again when the copy fails.
 * Ctrl-C is left to kill the process: the copy is one transaction on the target, so a killed copy leaves it empty.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Register } from '../main.js';
import { catalogPath, globalOptions, makeLogger, type CliEnv } from '../env.js';
import { ExitCode, UserError } from '../../errors.js';
import { resolveCatalogPath } from '../../paths.js';
import { isCatalogUrl, shownCatalog } from '../../catalog/catalog-url.js';
import { connectionFor } from '../../catalog/pg/connect-config.js';
import { checkCatalogPath } from '../../catalog/catalog-path.js';
import type { Db } from '../../catalog/sql.js';
import { CopyRefused, copyCatalog, type CopyReport } from '../../catalog/copy.js';
import { escapeControls } from '../display.js';
import { withWriterCatalog } from '../writer-session.js';

interface MigrateOptions {
  to?: string;
  wait?: boolean;
}

export const registerMigrate: Register = (program, cli, wrap) => {
  program
    .command('migrate')
    .description('copy the catalog (--db) into an empty catalog at TARGET: a postgres:// URL or a FILE.db path')
    .requiredOption('--to <target>', 'the new catalog: postgres://USER@HOST/DB or a SQLite file path')
    .option('--wait', 'wait for another indexer using the source catalog instead of exiting 75')
    .addHelpText(
      'after',
      '\nExamples:\n  indexer migrate --to postgres://indexer@nas/photos\n  indexer --db postgres://indexer@nas/photos migrate --to ~/catalog.db',
    )
    .action(wrap((opts: MigrateOptions, command: Command) => migrateCommand(command, cli, opts)));
};

async function migrateCommand(cmd: Command, cli: CliEnv, opts: MigrateOptions): Promise<number> {
  const g = globalOptions(cmd);
  const source = catalogPath(cmd, cli);
  const target = resolveTarget(opts.to!);
  refuseSameCatalog(source, target);
  const log = makeLogger(g, cli);
  const report = await asWriter(source, cli, { wait: !!opts.wait, mustExist: true }, async (from) => {
    const created = !isCatalogUrl(target) && !fs.existsSync(target);
    try {
      return await asWriter(target, cli, { wait: false, mustExist: false }, (to) =>
        copyCatalog(from, to, { now: cli.clock.now(), onTable: (c) => log.info(`  ${c.table}: ${c.rows}`) }),
      );
    } catch (err) {
      if (created) removeCatalogFiles(target);
      if (err instanceof CopyRefused) throw new UserError(`cannot migrate into ${shown(target)}: ${err.message}`, ExitCode.usage);
      throw err;
    }
  });
  const total = report.tables.reduce((n, t) => n + t.rows, 0);
  if (g.json) {
    const tables = Object.fromEntries(report.tables.map((t) => [t.table, t.rows]));
    cli.stdout.write(JSON.stringify({ source: shown(source), target: shown(target), tables, rows: total, handedBack: report.handedBack }) + '\n');
  } else {
    log.info(summaryLine(source, target, report, total));
  }
  cli.summary?.push(`${total} rows in ${report.tables.length} tables`);
  return ExitCode.ok;
}

function summaryLine(source: string, target: string, report: CopyReport, total: number): string {
  const handed = report.handedBack ? `; ${report.handedBack} running task${report.handedBack === 1 ? '' : 's'} copied as pending` : '';
  return `migrated ${shown(source)} -> ${shown(target)}: ${total} rows in ${report.tables.length} tables, counts verified${handed}`;
}

/** --to takes what --db takes. */
function resolveTarget(value: string): string {
  if (value === '') throw new UserError('--to: give a postgres:// URL or a catalog file path', ExitCode.usage);
  return resolveCatalogPath(value, {});
}

function shown(catalog: string): string {
  return escapeControls(shownCatalog(catalog));
}

/** The same file under two names (a symlink, a hard link, `./x.db` and `x.db`) is one catalog. */
function refuseSameCatalog(source: string, target: string): void {
  const same = isCatalogUrl(source) || isCatalogUrl(target) ? sameDatabase(source, target) : path.resolve(source) === path.resolve(target) || sameInode(source, target);
  if (same) {
    throw new UserError(`--to ${shown(target)} is the source catalog itself: give a new file or an empty catalog`, ExitCode.usage);
  }
}

/** Two URLs naming one database (the scheme's spelling and the password aside). */
function sameDatabase(a: string, b: string): boolean {
  if (!isCatalogUrl(a) || !isCatalogUrl(b)) return false;
  const key = (u: string) => {
    const c = connectionFor(u);
    return `${c.where}/${String(c.config.database)}/${String(c.config.user)}`;
  };
  return key(a) === key(b);
}

function sameInode(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/**
 * `fn` with the catalog open as its writer (withWriterCatalog): exit 75 when another indexer holds it (unless `wait`).
 * The source must exist; a target is created and migrated to this version if new. A newer schema is refused by
 * openCatalog. Ctrl-C interrupts a wait for a lock; once the copy runs, it kills the process (see the module comment).
 */
async function asWriter<T>(target: string, cli: CliEnv, opts: { wait: boolean; mustExist: boolean }, fn: (db: Db) => T | Promise<T>): Promise<T> {
  if (!isCatalogUrl(target)) {
    checkCatalogPath(target, { write: true });
    if (opts.mustExist && !fs.existsSync(target)) throw new UserError(`no catalog at ${target}: nothing to migrate`, ExitCode.usage);
  }
  const notice = (m: string) => void cli.stderr.write(m + '\n');
  return withWriterCatalog(target, { wait: opts.wait, clock: cli.clock, mustExist: opts.mustExist, notice, killOnInterruptOnceLocked: true }, (db) => fn(db));
}

/** A catalog file this command created, with SQLite's companions, removed after a failed copy. */
function removeCatalogFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) fs.rmSync(f, { force: true });
}

