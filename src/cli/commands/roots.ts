/** `indexer roots`: list the catalog's roots; `roots remove ROOT` forgets one; `roots move OLD NEW` renames one. */
import path from 'node:path';
import type { Command } from 'commander';
import { openCatalog } from '../../catalog/open.js';
import { listRoots, moveRoot, removeRoot, rootIdByPath, RootMoveConflict, type RootListing } from '../../catalog/root-admin.js';
import { ExitCode, UserError } from '../../errors.js';
import { catalogPath, globalOptions, makeLogger, type CliEnv } from '../env.js';
import { localTime } from '../../local-time.js';
import type { Register } from '../main.js';
import { withWriterCatalog } from '../writer-session.js';

export const registerRoots: Register = (program, cli, wrap) => {
  const roots = program
    .command('roots')
    .description('list the roots with their file counts, state and remembered excludes')
    .addHelpText('after', '\nExamples:\n  indexer roots\n  indexer roots move /mnt/old-nas/photos /mnt/nas/photos\n  indexer roots remove /media/usb-stick')
    .action(wrap((_opts: unknown, command: Command) => listCommand(command, cli)));
  roots
    .command('remove <root>')
    .description('forget a root and every file under it (tasks, metadata, embeddings); nothing on disk is touched')
    .option('--wait', 'wait for another indexer using the catalog instead of exiting 75')
    .action(
      wrap(async (root: string, opts: { wait?: boolean }, command: Command) => {
        const abs = path.resolve(root);
        const n = await withWriterCatalog(catalogPath(command, cli), { wait: !!opts.wait, clock: cli.clock }, (db) =>
          removeRoot(db, knownRoot(db, abs, root)),
        );
        report(command, cli, { removed: abs, files: n }, `forgot root ${abs} and its ${n} file${n === 1 ? '' : 's'}`);
        return ExitCode.ok;
      }),
    );
  roots
    .command('move <old> <new>')
    .description('the root now lives at NEW (renamed, remounted): rewrite its paths, keep everything extracted')
    .option('--wait', 'wait for another indexer using the catalog instead of exiting 75')
    .action(
      wrap(async (from: string, to: string, opts: { wait?: boolean }, command: Command) => {
        const [oldAbs, newAbs] = [path.resolve(from), path.resolve(to)];
        const n = await withWriterCatalog(catalogPath(command, cli), { wait: !!opts.wait, clock: cli.clock }, (db) => {
          try {
            return moveRoot(db, knownRoot(db, oldAbs, from), oldAbs, newAbs);
          } catch (err) {
            if (err instanceof RootMoveConflict) throw new UserError(`cannot move root ${from} to ${to}: ${err.message}`);
            throw err;
          }
        });
        report(command, cli, { moved: oldAbs, to: newAbs, files: n }, `root ${oldAbs} is now ${newAbs} (${n} file${n === 1 ? '' : 's'}, nothing to re-extract)`);
        return ExitCode.ok;
      }),
    );
};

function knownRoot(db: Parameters<typeof rootIdByPath>[0], abs: string, given: string): number {
  const id = rootIdByPath(db, abs);
  if (id === undefined) throw new UserError(`${given} is not a root of this catalog (see 'indexer roots')`);
  return id;
}

function report(cmd: Command, cli: CliEnv, json: object, text: string): void {
  const g = globalOptions(cmd);
  if (g.json) cli.stdout.write(JSON.stringify(json) + '\n');
  else makeLogger(g, cli).info(text);
}

async function listCommand(cmd: Command, cli: CliEnv): Promise<number> {
  const g = globalOptions(cmd);
  const db = openCatalog(catalogPath(cmd, cli), { readonly: true });
  try {
    const roots = listRoots(db);
    if (g.json) cli.stdout.write(JSON.stringify({ roots }) + '\n');
    else if (roots.length === 0) makeLogger(g, cli).info("no roots yet: run 'indexer scan ROOT'");
    else for (const r of roots) makeLogger(g, cli).info(rootLine(r));
    return ExitCode.ok;
  } finally {
    db.close();
  }
}

function rootLine(r: RootListing): string {
  const state = r.online ? 'online' : 'OFFLINE';
  const counts = [`${r.present} files`, r.offline ? `${r.offline} offline` : '', r.deleted ? `${r.deleted} deleted` : '']
    .filter(Boolean)
    .join(', ');
  const excludes = r.excludes.length > 0 ? `  excludes: ${r.excludes.join(' ')}` : '';
  return `${r.path}  ${state}  ${counts}  last complete scan ${localTime(r.lastScanAt)}${excludes}`;
}
