/**
 * `indexer resume`: phase 2 only. Recovers what a killed or interrupted run left running, plans what changed, and
 * finishes every pending task (or stops at --max-duration / --max-tasks / Ctrl-C).
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import type { Register } from '../main.js';
import { cacheDir, catalogPath, globalOptions } from '../env.js';
import { addAllPhase2Options } from '../../tasks/options.js';
import { isCatalogUrl } from '../../catalog/catalog-url.js';
import { withWriterCatalog } from '../writer-session.js';
import { extractDetails } from '../run-summary.js';

export const registerResume: Register = (program, cli, wrap) => {
  const cmd = program
    .command('resume')
    .description('run phase 2 only: finish pending tasks and those a killed run left behind')
    .option('--wait', 'wait for another indexer using the catalog instead of exiting 75');
  // Flag declarations only: the engine, sharp, ONNX Runtime and the workers load when the action runs, so help and
  // usage errors do not wait for them.
  addAllPhase2Options(cmd);
  cmd.addHelpText(
    'after',
    `
Examples:
  indexer resume                          finish everything pending
  indexer resume --max-duration 20m       work for at most 20 minutes (exit 0; the rest stays pending)
  indexer resume --stages exif --json     only EXIF, NDJSON events then {"extract": {...}, "durationMs": n}`,
  );
  cmd.action(
    wrap(async (_opts: unknown, command: Command) => {
      const opts = { ...globalOptions(command), ...command.opts() } as Record<string, unknown>;
      const file = catalogPath(command, cli);
      // A PostgreSQL catalog's existence is checked once connected (mustExist).
      if (!isCatalogUrl(file) && !fs.existsSync(file)) throw new UserError(`no catalog at ${file}: run 'indexer scan ROOT' first`);
      return withWriterCatalog(file, { wait: !!opts.wait, clock: cli.clock, mustExist: true, notice: (m) => cli.stderr.write(m + '\n') }, async (db, signal) => {
        const started = cli.clock.now();
        const { runPhase2 } = await import('../../tasks/phase2.js');
        const result = await runPhase2({ db, catalogPath: file, cacheDir: cacheDir(command, cli), cli, opts, signal });
        cli.summary?.push(extractDetails(result.summary));
        if (opts.json) cli.stdout.write(JSON.stringify({ extract: result.summary, durationMs: cli.clock.now() - started }) + '\n');
        return result.exitCode;
      });
    }),
  );
};
